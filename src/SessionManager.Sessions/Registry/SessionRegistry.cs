using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using SessionManager.Sessions.Launcher;
using SessionManager.Sessions.Policies;
using SessionManager.Sessions.Properties;

namespace SessionManager.Sessions.Registry;

/// <summary>
/// The one owner of session and connection state. Every change goes through a method here,
/// under one lock, is logged with SessionId, ConnectionId and User, and is published as a
/// <see cref="SessionEvent"/>. Nothing async runs under the lock: callers do the slow parts
/// (PAM, backend start, ICP calls) outside and come back to commit them.
/// Each change's event is made from the record as that change left it and handed to the stream
/// under the same lock, so events come out in the order the changes were applied, each carrying
/// the state it describes (never a later re-read).
/// </summary>
public sealed partial class SessionRegistry
{
    private const string CookieAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private readonly Lock _sync = new();
    private readonly Dictionary<int, Session> _sessions = [];
    private readonly Dictionary<uint, ConnectionEntry> _connections = [];
    private readonly TimeProvider _time;
    private readonly ILogger<SessionRegistry> _logger;
    private readonly Security.SecretIndex<int> _sessionTokens = new();
    private int _lastId = 1;

    // Link generations known to be gone: every one up to _lostThrough (its loss was handled), and
    // every one older than _newestGeneration (only one link is current, so a newer one proves the
    // older ones dead even before their loss is handled).
    private long _lostThrough;
    private long _newestGeneration;

    public SessionRegistry(SessionEventHub events, TimeProvider time, ILogger<SessionRegistry> logger)
    {
        Events = events;
        _time = time;
        _logger = logger;
    }

    public SessionEventHub Events { get; }

    /// <summary>
    /// Called when a Disconnected session's timeout passes (wired by the session service), with the
    /// session id and the disconnect's generation: the end it asks for applies only to that disconnect
    /// (<see cref="BeginEnd"/> with it), since the user may have reconnected while the callback ran.
    /// </summary>
    internal Action<int, long>? DisconnectedTimeoutElapsed { get; set; }

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _sessions.Count;
            }
        }
    }

    public IReadOnlyList<SessionRecord> All()
    {
        lock (_sync)
        {
            return [.. _sessions.Values.Select(s => s.Record).OrderBy(r => r.Id)];
        }
    }

    public SessionRecord? Find(int sessionId)
    {
        lock (_sync)
        {
            return _sessions.TryGetValue(sessionId, out var s) ? s.Record : null;
        }
    }

    public SessionRecord? ForConnection(uint connectionId)
    {
        lock (_sync)
        {
            return _connections.TryGetValue(connectionId, out var c) && c.SessionId is { } id && _sessions.TryGetValue(id, out var s) ? s.Record : null;
        }
    }

    /// <summary>The session and the link generation of its connection (null when it has none).</summary>
    public (SessionRecord Record, long? LinkGeneration)? FindWithLink(int sessionId)
    {
        lock (_sync)
        {
            return _sessions.TryGetValue(sessionId, out var s) ? (s.Record, s.LinkGeneration) : null;
        }
    }

    /// <summary>An RDS link came up (its generation is the newest: every older one is gone).</summary>
    internal void LinkAttached(long linkGeneration)
    {
        lock (_sync)
        {
            _newestGeneration = Math.Max(_newestGeneration, linkGeneration);
        }
    }

    /// <summary>True if the link of <paramref name="linkGeneration"/> is known to be gone.</summary>
    internal bool IsLinkLost(long linkGeneration)
    {
        lock (_sync)
        {
            return IsLinkLostLocked(linkGeneration);
        }
    }

    /// <summary>The session's connection if it is on a link not known to be gone: the only one LogoffUserSession may name.</summary>
    internal uint? LiveConnectionOf(Session session)
    {
        lock (_sync)
        {
            return session.Record.ConnectionId is { } id && session.LinkGeneration is { } g && !IsLinkLostLocked(g) ? id : null;
        }
    }

    /// <summary>The session's connection, as (id, link generation), or null.</summary>
    internal (uint Id, long LinkGeneration)? ConnectionOf(Session session)
    {
        lock (_sync)
        {
            return session.Record.ConnectionId is { } id && session.LinkGeneration is { } g ? (id, g) : null;
        }
    }

    private bool IsLinkLostLocked(long linkGeneration) => linkGeneration <= _lostThrough || linkGeneration < _newestGeneration;

    /// <summary>The user's sessions (any state but Down), newest disconnect first.</summary>
    public IReadOnlyList<SessionRecord> SessionsOf(string user)
    {
        lock (_sync)
        {
            return [.. _sessions.Values.Where(s => !s.Record.IsGreeter && s.Record.User == user).Select(s => s.Record)];
        }
    }

    internal SessionPolicy? PolicyOf(int sessionId)
    {
        lock (_sync)
        {
            return _sessions.TryGetValue(sessionId, out var s) ? s.Policy : null;
        }
    }

    public ConnectionGeometry? GeometryOf(uint connectionId)
    {
        lock (_sync)
        {
            return _connections.TryGetValue(connectionId, out var c) ? c.Geometry : null;
        }
    }

    /// <summary>A LogonUser for <paramref name="connectionId"/> has begun: DisconnectUserSession for it waits until it is answered.</summary>
    internal TaskCompletionSource BeginLogon(uint connectionId, long linkGeneration, ClientInfo client, ConnectionGeometry geometry)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sync)
        {
            _newestGeneration = Math.Max(_newestGeneration, linkGeneration);
            var entry = ConnectionLocked(connectionId, linkGeneration);
            entry.Client = client;
            entry.Geometry = geometry;
            entry.Logon = done;
        }

        return done;
    }

    /// <summary>The logon in progress on the connection, if any.</summary>
    internal Task? LogonInProgress(uint connectionId)
    {
        lock (_sync)
        {
            return _connections.TryGetValue(connectionId, out var c) ? c.Logon?.Task : null;
        }
    }

    internal static void EndLogon(TaskCompletionSource logon) => logon.TrySetResult();

    /// <summary>
    /// A new session in state Init, with fresh cookies and the next free id (from 2, as ogon).
    /// </summary>
    /// <exception cref="SessionLimitException">Sessions:MaxSessions or MaxSessionsPerUser would be passed.</exception>
    internal Session Create(NewSession spec, SessionPolicy policy)
    {
        Session session;
        SessionRecord record;
        // A greeter runs as its own account: the one refused is the person who typed a name, if any.
        string? who = spec.IsGreeter && !string.IsNullOrEmpty(spec.TypedUser) ? spec.TypedUser : spec.User;
        lock (_sync)
        {
            if (policy.MaxSessions > 0 && _sessions.Count >= policy.MaxSessions)
            {
                SessionLimitReached(_logger, who, "Sessions:MaxSessions", policy.MaxSessions, spec.Client.Address);
                throw new SessionLimitException($"the session limit of this host is reached (Sessions:MaxSessions = {policy.MaxSessions})");
            }

            if (!spec.IsGreeter && policy.MaxSessionsPerUser > 0 && _sessions.Values.Count(s => !s.Record.IsGreeter && s.Record.User == spec.User) >= policy.MaxSessionsPerUser)
            {
                SessionLimitReached(_logger, spec.User, "Sessions:MaxSessionsPerUser", policy.MaxSessionsPerUser, spec.Client.Address);
                throw new SessionLimitException($"{spec.User} has reached the session limit (Sessions:MaxSessionsPerUser = {policy.MaxSessionsPerUser})");
            }

            int id = NextIdLocked();
            record = new SessionRecord
            {
                Id = id,
                State = SessionState.Init,
                User = spec.User,
                TypedUser = spec.TypedUser,
                IsGreeter = spec.IsGreeter,
                Backend = spec.Backend,
                PipeName = spec.PipeName(id),
                BackendCookie = NewSecret(43),
                OgonCookie = NewSecret(43),
                Display = spec.Display,
                Groups = spec.Groups,
                MaxWidth = policy.MaxWidth,
                MaxHeight = policy.MaxHeight,
                CreatedAt = _time.GetUtcNow(),
                Client = spec.Client,
            };
            session = new Session(record, policy);
            _sessions.Add(id, session);
            Events.Publish(new SessionEvent(SessionEventKind.Created, record, null));
        }

        SessionCreated(_logger, record.Id, record.User, record.Backend, record.IsGreeter);
        return session;
    }

    /// <summary>≥ 128 bits from the CSPRNG (43 characters of 62: 256 bits), never <c>rand()</c> as ogon.</summary>
    internal static string NewSecret(int length) => RandomNumberGenerator.GetString(CookieAlphabet, length);

    internal void BackendStarted(Session session, IBackendProcess backend)
    {
        lock (_sync)
        {
            session.Backend = backend;
            session.Record = session.Record with { BackendPid = backend.Pid };
        }

        SessionBackendStarted(_logger, session.Id, session.Record.User, session.Record.Backend, backend.Pid);
    }

    internal void SetTokenFile(Session session, string path, string token)
    {
        string handle = _sessionTokens.Add(token, session.Id);
        string? replaced;
        lock (_sync)
        {
            session.TokenFilePath = path;
            replaced = session.TokenHandle;
            session.TokenHandle = handle;
        }

        if (replaced is not null && replaced != handle)
        {
            _sessionTokens.RemoveEntry(replaced);
        }
    }

    /// <summary>The session whose token file holds <paramref name="token"/> (compared in fixed time).</summary>
    public SessionRecord? FindByToken(string? token) => _sessionTokens.TryGet(token, out int id) ? Find(id) : null;

    internal Session? Get(int sessionId)
    {
        lock (_sync)
        {
            return _sessions.TryGetValue(sessionId, out var s) ? s : null;
        }
    }

    internal void MarkSbpCompatible(Session session, bool compatible)
    {
        lock (_sync)
        {
            session.SbpCompatible = compatible;
        }
    }

    /// <summary>
    /// Attaches the session to the connection: a greeter becomes Connected, a user session
    /// Active. A session keeps at most one connection: the caller has let the old one go first.
    /// Returns false, changing nothing, if the connection's link is already gone (a logon that
    /// outlived its link): the caller lets the session go as if its client had left.
    /// </summary>
    internal bool Attach(Session session, uint connectionId, long linkGeneration)
    {
        SessionRecord record;
        lock (_sync)
        {
            if (IsLinkLostLocked(linkGeneration))
            {
                return false;
            }

            var entry = ConnectionLocked(connectionId, linkGeneration);
            if (entry.SessionId is { } previous && previous != session.Id && _sessions.TryGetValue(previous, out var other)
                && other.Record.ConnectionId == connectionId && other.LinkGeneration == linkGeneration)
            {
                // The connection moves to this session (greeter → user session after SwitchTo).
                other.Record = other.Record with { ConnectionId = null };
                other.LinkGeneration = null;
            }

            if (session.Record.ConnectionId is { } old && (old != connectionId || session.LinkGeneration != linkGeneration)
                && _connections.TryGetValue(old, out var oldEntry) && oldEntry.SessionId == session.Id && oldEntry.LinkGeneration == session.LinkGeneration)
            {
                oldEntry.SessionId = null;
            }

            entry.SessionId = session.Id;
            session.LinkGeneration = linkGeneration;
            session.DisconnectTimer?.Dispose();
            session.DisconnectTimer = null;
            var kind = session.Record.State == SessionState.Disconnected ? SessionEventKind.Reconnected : SessionEventKind.Connected;
            session.Record = record = session.Record with
            {
                State = session.Record.IsGreeter ? SessionState.Connected : SessionState.Active,
                ConnectionId = connectionId,
                ConnectedAt = _time.GetUtcNow(),
                Client = entry.Client == ClientInfo.None ? session.Record.Client : entry.Client,
            };
            Events.Publish(new SessionEvent(kind, record, null));
        }

        SessionAttached(_logger, record.Id, connectionId, record.User, record.State.ToString());
        return true;
    }

    /// <summary>
    /// The session loses its connection: Active/Shadow become Disconnected and its disconnected
    /// timeout starts. Returns false if it had none. A greeter is not kept (the caller ends it).
    /// With <paramref name="onlyLinksThrough"/>, only a connection of that link generation or an
    /// older one is let go (a session that moved to a newer link meanwhile keeps it).
    /// </summary>
    internal bool Detach(Session session, string reason, long? onlyLinksThrough = null)
    {
        SessionRecord record;
        lock (_sync)
        {
            if (onlyLinksThrough is { } through && !(session.LinkGeneration <= through))
            {
                return false;
            }

            if (session.Record.ConnectionId is not { } connectionId)
            {
                // Never attached (a session started for a switch that failed): parked as Disconnected.
                if (session.Record.State != SessionState.Init || session.Record.IsGreeter)
                {
                    return false;
                }
            }
            else if (_connections.TryGetValue(connectionId, out var entry) && entry.SessionId == session.Id && entry.LinkGeneration == session.LinkGeneration)
            {
                entry.SessionId = null;
            }

            session.LinkGeneration = null;
            var now = _time.GetUtcNow();
            session.Record = record = session.Record with
            {
                State = session.Record.IsGreeter ? session.Record.State : SessionState.Disconnected,
                ConnectionId = null,
                DisconnectedAt = now,
            };
            // A new disconnect: a timer of an earlier one that is already firing must not end this one.
            long generation = ++session.DisconnectGeneration;
            session.DisconnectTimer?.Dispose();
            session.DisconnectTimer = null;
            Events.Publish(new SessionEvent(SessionEventKind.Disconnected, record, reason));

            if (!record.IsGreeter && session.Policy.DisconnectedTimeout > TimeSpan.Zero && session.Policy.DisconnectedTimeout != Timeout.InfiniteTimeSpan)
            {
                session.DisconnectTimer = _time.CreateTimer(static s =>
                {
                    var (registry, sid, disconnect) = ((SessionRegistry, int, long))s!;
                    registry.DisconnectedTimeoutElapsed?.Invoke(sid, disconnect);
                }, (this, record.Id, generation), session.Policy.DisconnectedTimeout, Timeout.InfiniteTimeSpan);
            }
        }

        SessionDisconnected(_logger, record.Id, record.User, reason, session.Policy.DisconnectedTimeout.ToString());
        return true;
    }

    /// <summary>Shadow ⇄ Active (remote control started or ended).</summary>
    internal bool SetShadowing(Session session, bool shadowing)
    {
        SessionRecord record;
        lock (_sync)
        {
            var from = shadowing ? SessionState.Active : SessionState.Shadow;
            if (session.Record.State != from)
            {
                return false;
            }

            session.Record = record = session.Record with { State = shadowing ? SessionState.Shadow : SessionState.Active };
            Events.Publish(new SessionEvent(shadowing ? SessionEventKind.ShadowingStarted : SessionEventKind.ShadowingEnded, record, null));
        }

        SessionShadowing(_logger, record.Id, record.User, record.State.ToString());
        return true;
    }

    /// <summary>
    /// Takes the session out of the registry (state Down) and returns what its end must still
    /// release, or null if it was already ending. The caller stops the backend outside the lock.
    /// With <paramref name="disconnectGeneration"/> (a disconnected timeout's end) it ends the session
    /// only if it is still Disconnected by that same disconnect, decided under the lock, so a
    /// reconnect that lands while the timeout fires keeps the session; otherwise null.
    /// </summary>
    internal (SessionRecord Record, IBackendProcess? Backend, string? TokenFile)? BeginEnd(Session session, string reason, long? disconnectGeneration = null)
    {
        string? tokenHandle;
        SessionRecord record;
        lock (_sync)
        {
            if (disconnectGeneration is { } generation && (session.Record.State != SessionState.Disconnected || session.DisconnectGeneration != generation))
            {
                return null;
            }

            if (!_sessions.Remove(session.Id))
            {
                return null;
            }

            session.DisconnectTimer?.Dispose();
            session.DisconnectTimer = null;
            if (session.Record.ConnectionId is { } connectionId && _connections.TryGetValue(connectionId, out var entry) && entry.SessionId == session.Id
                && entry.LinkGeneration == session.LinkGeneration)
            {
                entry.SessionId = null;
            }

            session.Record = record = session.Record with { State = SessionState.Down };
            tokenHandle = session.TokenHandle;
            session.TokenHandle = null;
            Events.Publish(new SessionEvent(SessionEventKind.Ended, record, reason));
        }

        // Its token stops working now, whatever the end still has to do.
        if (tokenHandle is not null)
        {
            _sessionTokens.RemoveEntry(tokenHandle);
        }

        SessionEnded(_logger, record.Id, record.User, reason);
        return (record, session.Backend, session.TokenFilePath);
    }

    /// <summary>The RDS client connection is gone for good (DisconnectUserSession answered, link lost).</summary>
    internal void ForgetConnection(uint connectionId)
    {
        lock (_sync)
        {
            if (_connections.TryGetValue(connectionId, out var entry) && entry.Logon is null or { Task.IsCompleted: true })
            {
                _connections.Remove(connectionId);
            }
        }
    }

    /// <summary>
    /// The RDS link of <paramref name="linkGeneration"/> is gone: its connections (and older
    /// ones) with it, not those of a newer link, which may already be up when this is handled.
    /// Returns the sessions attached to one of them; from now on nothing attaches to them.
    /// </summary>
    internal List<Session> LinkLost(long linkGeneration)
    {
        lock (_sync)
        {
            _lostThrough = Math.Max(_lostThrough, linkGeneration);
            foreach (var gone in _connections.Values.Where(c => c.LinkGeneration <= linkGeneration).ToList())
            {
                _connections.Remove(gone.Id);
            }

            return [.. _sessions.Values.Where(s => s.Record.ConnectionId is not null && s.LinkGeneration <= linkGeneration)];
        }
    }

    internal long? LinkGenerationOf(uint connectionId)
    {
        lock (_sync)
        {
            return _connections.TryGetValue(connectionId, out var c) ? c.LinkGeneration : null;
        }
    }

    internal List<Session> Snapshot()
    {
        lock (_sync)
        {
            return [.. _sessions.Values];
        }
    }

    private ConnectionEntry ConnectionLocked(uint connectionId, long linkGeneration)
    {
        if (_connections.TryGetValue(connectionId, out var newer) && newer.LinkGeneration > linkGeneration)
        {
            // A request of a link already replaced: it must not take the id from the newer link's connection.
            return new ConnectionEntry(connectionId, linkGeneration);
        }

        if (!_connections.TryGetValue(connectionId, out var entry) || entry.LinkGeneration != linkGeneration)
        {
            entry = new ConnectionEntry(connectionId, linkGeneration);
            _connections[connectionId] = entry;
        }

        return entry;
    }

    private int NextIdLocked()
    {
        // From 2 (ogon's first id), skipping ids in use; wraps well before int.MaxValue.
        do
        {
            _lastId = _lastId >= 1_000_000_000 ? 2 : _lastId + 1;
        }
        while (_sessions.ContainsKey(_lastId));

        return _lastId;
    }

    [LoggerMessage(3200, LogLevel.Information, "Session {SessionId} created for {User}: backend {Backend} (greeter: {IsGreeter})")]
    private static partial void SessionCreated(ILogger logger, int sessionId, string? user, string backend, bool isGreeter);

    [LoggerMessage(3201, LogLevel.Information, "Session {SessionId} of {User}: backend {Backend} started, pid {BackendPid}")]
    private static partial void SessionBackendStarted(ILogger logger, int sessionId, string? user, string backend, int backendPid);

    [LoggerMessage(3202, LogLevel.Information, "Session {SessionId} attached to connection {ConnectionId} ({User}), now {State}")]
    private static partial void SessionAttached(ILogger logger, int sessionId, uint connectionId, string? user, string state);

    [LoggerMessage(3203, LogLevel.Information, "Session {SessionId} of {User} disconnected ({Reason}); kept for {DisconnectedTimeout}")]
    private static partial void SessionDisconnected(ILogger logger, int sessionId, string? user, string reason, string disconnectedTimeout);

    [LoggerMessage(3204, LogLevel.Information, "Session {SessionId} of {User} ended: {Reason}")]
    private static partial void SessionEnded(ILogger logger, int sessionId, string? user, string reason);

    [LoggerMessage(3206, LogLevel.Information, "Session {SessionId} of {User}: remote control changed its state to {State}")]
    private static partial void SessionShadowing(ILogger logger, int sessionId, string? user, string state);

    [LoggerMessage(3205, LogLevel.Warning, "Logon of {User} from {ClientAddress} refused: {Limit} ({LimitValue}) reached")]
    private static partial void SessionLimitReached(ILogger logger, string? user, string limit, int limitValue, string clientAddress);
}

/// <summary>What a new session is made of (before it has an id).</summary>
internal sealed record NewSession(string? User, string? TypedUser, bool IsGreeter, string Backend, Func<int, string> PipeName, int? Display, ClientInfo Client)
{
    /// <summary>The user's groups (permission levels are configured per group); none for a greeter.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];
}
