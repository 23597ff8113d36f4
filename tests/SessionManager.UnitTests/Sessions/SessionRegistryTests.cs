using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SessionManager.Sessions.Policies;
using SessionManager.Sessions.Registry;

namespace SessionManager.UnitTests.Sessions;

/// <summary>The registry's own rules, on a fake clock: ids, limits, states, the disconnected timeout.</summary>
public sealed class SessionRegistryTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly SessionEventHub _events = new();
    private readonly SessionRegistry _registry;

    public SessionRegistryTests() => _registry = new SessionRegistry(_events, _time, NullLogger<SessionRegistry>.Instance);

    private Session New(string user, SessionPolicy? policy = null) =>
        _registry.Create(new NewSession(user, null, false, "desktop", id => $"ogon_{id}_X11", null, ClientInfo.None), policy ?? new SessionPolicy());

    [Fact]
    public void Ids_start_at_2_and_skip_ids_in_use()
    {
        var a = New("alice");
        var b = New("bob");
        _registry.BeginEnd(a, "test");
        var c = New("carol");

        Assert.Equal((2, 3, 4), (a.Id, b.Id, c.Id));
        Assert.Equal([3, 4], _registry.All().Select(s => s.Id));
    }

    [Fact]
    public void A_session_token_names_its_session_until_that_session_ends_and_a_replaced_token_stops_at_once()
    {
        var a = New("alice");
        var b = New("bob");
        string first = SessionRegistry.NewSecret(43), second = SessionRegistry.NewSecret(43), bobs = SessionRegistry.NewSecret(43);
        _registry.SetTokenFile(a, "/nonexistent/2", first);
        _registry.SetTokenFile(a, "/nonexistent/2", second);
        _registry.SetTokenFile(b, "/nonexistent/3", bobs);

        Assert.Null(_registry.FindByToken(first));
        Assert.Equal(a.Id, _registry.FindByToken(second)?.Id);

        _registry.BeginEnd(a, "test");

        Assert.Null(_registry.FindByToken(second));
        Assert.Equal(b.Id, _registry.FindByToken(bobs)?.Id);
    }

    [Fact]
    public void Cookies_are_long_random_and_distinct()
    {
        var a = New("alice").Record;
        var b = New("alice").Record;

        Assert.Equal(43, a.BackendCookie.Length);
        Assert.NotEqual(a.BackendCookie, a.OgonCookie);
        Assert.NotEqual(a.BackendCookie, b.BackendCookie);
    }

    [Fact]
    public void Past_a_limit_creation_fails_naming_the_key()
    {
        var perUser = new SessionPolicy { MaxSessionsPerUser = 1 };
        New("alice", perUser);

        var user = Assert.Throws<SessionLimitException>(() => New("alice", perUser));
        var host = Assert.Throws<SessionLimitException>(() => New("bob", new SessionPolicy { MaxSessions = 1 }));

        Assert.Contains("Sessions:MaxSessionsPerUser = 1", user.Message, StringComparison.Ordinal);
        Assert.Contains("Sessions:MaxSessions = 1", host.Message, StringComparison.Ordinal);
        New("bob", perUser);
    }

    [Fact]
    public void A_detached_session_times_out_after_its_policy_timeout_unless_it_is_reattached()
    {
        var fired = new List<int>();
        _registry.DisconnectedTimeoutElapsed = (id, _) => fired.Add(id);
        var kept = New("alice", new SessionPolicy { DisconnectedTimeout = TimeSpan.FromMinutes(5) });
        var back = New("bob", new SessionPolicy { DisconnectedTimeout = TimeSpan.FromMinutes(5) });
        var forever = New("carol", new SessionPolicy { DisconnectedTimeout = Timeout.InfiniteTimeSpan });
        foreach (var (s, connection) in new[] { (kept, 1u), (back, 2u), (forever, 3u) })
        {
            _registry.Attach(s, connection, linkGeneration: 1);
            Assert.True(_registry.Detach(s, "client left"));
            Assert.Equal(SessionState.Disconnected, s.Record.State);
        }

        _time.Advance(TimeSpan.FromMinutes(4));
        _registry.Attach(back, 7, linkGeneration: 1);
        _time.Advance(TimeSpan.FromMinutes(2));
        _time.Advance(TimeSpan.FromDays(30));

        Assert.Equal([kept.Id], fired);
        Assert.Equal((SessionState.Active, 7u), (back.Record.State, back.Record.ConnectionId));
        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromDays(30) - TimeSpan.FromMinutes(6), kept.Record.DisconnectedAt);
    }

    [Fact]
    public void A_disconnected_timeout_already_firing_when_the_user_reconnects_does_not_end_the_session()
    {
        var session = New("alice", new SessionPolicy { DisconnectedTimeout = TimeSpan.FromMinutes(5) });
        _registry.Attach(session, 1, linkGeneration: 1);
        _registry.Detach(session, "client left");
        bool ended = false;
        _registry.DisconnectedTimeoutElapsed = (id, disconnect) =>
        {
            // The callback is under way when the reconnect lands; then it ends what it was told to (as the session service does).
            _registry.Attach(session, 2, linkGeneration: 1);
            ended = _registry.BeginEnd(session, "disconnected timeout passed", disconnect) is not null;
        };

        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.False(ended);
        Assert.Equal((SessionState.Active, 2u), (session.Record.State, session.Record.ConnectionId));
        Assert.Equal(session.Id, _registry.Find(session.Id)?.Id);
    }

    [Fact]
    public void A_disconnected_timeout_ends_the_session_only_for_the_disconnect_it_was_started_for()
    {
        var session = New("alice", new SessionPolicy { DisconnectedTimeout = TimeSpan.FromMinutes(5) });
        var fired = new List<long>();
        _registry.DisconnectedTimeoutElapsed = (_, disconnect) => fired.Add(disconnect);
        _registry.Attach(session, 1, linkGeneration: 1);
        _registry.Detach(session, "client left");
        _time.Advance(TimeSpan.FromMinutes(5));
        _registry.Attach(session, 2, linkGeneration: 1);
        _registry.Detach(session, "client left again");

        // The first disconnect's (late) end does not apply to the second; the second's does.
        Assert.Null(_registry.BeginEnd(session, "disconnected timeout passed", fired[0]));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(2, fired.Count);
        Assert.Equal(SessionState.Down, _registry.BeginEnd(session, "disconnected timeout passed", fired[1])?.Record.State);
    }

    [Fact]
    public void A_connection_moves_from_the_greeter_to_the_users_session()
    {
        var greeter = _registry.Create(new NewSession("nobody", "alice", true, "greeter", id => $"ogon_{id}_Qt", null, ClientInfo.None), new SessionPolicy());
        var user = New("alice");
        _registry.Attach(greeter, 9, linkGeneration: 1);
        Assert.Equal(SessionState.Connected, greeter.Record.State);

        _registry.Attach(user, 9, linkGeneration: 1);

        Assert.Null(greeter.Record.ConnectionId);
        Assert.Equal(user.Id, _registry.ForConnection(9)!.Id);
        Assert.Equal(SessionState.Active, user.Record.State);
    }

    [Fact]
    public async Task A_disconnect_overtaken_by_a_reconnect_is_published_first_carrying_the_state_it_made()
    {
        // The reconnect runs right after the disconnect's change, before its event is out (here: from the log line in between).
        Session? racing = null;
        SessionRegistry? registry = null;
        registry = new SessionRegistry(_events, _time, new HookLogger<SessionRegistry>(id =>
        {
            if (id.Id == 3203 && racing is { } s)
            {
                racing = null;
                registry!.Attach(s, 8, linkGeneration: 1);
            }
        }));
        var events = Collect();
        var session = registry.Create(new NewSession("alice", null, false, "desktop", id => $"ogon_{id}_X11", null, ClientInfo.None), new SessionPolicy());
        registry.Attach(session, 7, linkGeneration: 1);
        racing = session;

        registry.Detach(session, "client left");

        var seen = await events.TakeAsync(4);
        Assert.Equal(
            [(SessionEventKind.Created, SessionState.Init), (SessionEventKind.Connected, SessionState.Active), (SessionEventKind.Disconnected, SessionState.Disconnected), (SessionEventKind.Reconnected, SessionState.Active)],
            seen.Select(e => (e.Kind, e.Session.State)));
        Assert.Equal((7u, null, 8u), (seen[1].Session.ConnectionId, seen[2].Session.ConnectionId, seen[3].Session.ConnectionId));
    }

    [Fact]
    public async Task Shadowing_is_published_when_it_starts_and_when_it_ends()
    {
        var events = Collect();
        var session = New("alice");
        _registry.Attach(session, 7, linkGeneration: 1);

        Assert.True(_registry.SetShadowing(session, shadowing: true));
        Assert.True(_registry.SetShadowing(session, shadowing: false));

        var seen = await events.TakeAsync(4);
        Assert.Equal([SessionState.Init, SessionState.Active, SessionState.Shadow, SessionState.Active], seen.Select(e => e.Session.State));
        Assert.Equal([SessionEventKind.ShadowingStarted, SessionEventKind.ShadowingEnded], seen.Skip(2).Select(e => e.Kind));
    }

    [Fact]
    public async Task A_failing_subscriber_is_logged_and_the_others_still_get_every_event()
    {
        var failures = new List<Microsoft.Extensions.Logging.EventId>();
        await using var hub = new SessionEventHub(new HookLogger<SessionEventHub>(id =>
        {
            lock (failures)
            {
                failures.Add(id);
            }
        }));
        var registry = new SessionRegistry(hub, _time, NullLogger<SessionRegistry>.Instance);
        using var failing = hub.Subscribe(_ => throw new InvalidOperationException("subscriber bug"));
        var log = new EventLog();
        using var good = hub.Subscribe(e =>
        {
            log.Add(e);
            return ValueTask.CompletedTask;
        });

        var session = registry.Create(new NewSession("alice", null, false, "desktop", id => $"ogon_{id}_X11", null, ClientInfo.None), new SessionPolicy());
        registry.Attach(session, 7, linkGeneration: 1);

        Assert.Equal([SessionEventKind.Created, SessionEventKind.Connected], (await log.TakeAsync(2)).Select(e => e.Kind));
        lock (failures)
        {
            Assert.Equal([3207, 3207], failures.Select(f => f.Id));
        }
    }

    private EventLog Collect()
    {
        var log = new EventLog();
        _events.Subscribe(e =>
        {
            log.Add(e);
            return ValueTask.CompletedTask;
        });
        return log;
    }

    /// <summary>What a subscriber received, waited for with a bound.</summary>
    private sealed class EventLog
    {
        private readonly List<SessionEvent> _seen = [];

        public void Add(SessionEvent e)
        {
            lock (_seen)
            {
                _seen.Add(e);
            }
        }

        public async Task<List<SessionEvent>> TakeAsync(int count)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                lock (_seen)
                {
                    if (_seen.Count >= count || DateTime.UtcNow > deadline)
                    {
                        return [.. _seen];
                    }
                }

                await Task.Delay(10);
            }
        }
    }

    /// <summary>Calls <paramref name="hook"/> with each log line's EventId, on the logging thread.</summary>
    private sealed class HookLogger<T>(Action<Microsoft.Extensions.Logging.EventId> hook) : Microsoft.Extensions.Logging.ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) => hook(eventId);
    }

    public async ValueTask DisposeAsync() => await _events.DisposeAsync();
}
