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
        _registry.DisconnectedTimeoutElapsed = fired.Add;
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

    public async ValueTask DisposeAsync() => await _events.DisposeAsync();
}
