using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionManager.Icp;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Protocol;
using SessionManager.Sessions.Backends;
using SessionManager.Sessions.Launcher;
using SessionManager.Sessions.Policies;
using SessionManager.Sessions.Registry;
using SessionManager.Sessions.Tokens;

namespace SessionManager.Sessions.Logon;

/// <summary>
/// What happens to sessions: logons (LogonUser, ReconnectUser, the greeter's AuthenticateUser),
/// disconnects, takeovers and ends. The slow steps (PAM, backend start, ICP calls) run here;
/// every change of state is committed through the <see cref="SessionRegistry"/>.
/// </summary>
public sealed partial class SessionService
{
    private readonly SessionRegistry _registry;
    private readonly ISessionLauncher _launcher;
    private readonly BackendStarter _backends;
    private readonly DisplayAllocator _displays;
    private readonly SessionTokenFiles _tokens;
    private readonly IOptionsMonitor<PolicyBook> _policies;
    private readonly RdsClient _rds;
    private readonly IOptionsMonitor<SessionsOptions> _settings;
    private readonly TimeProvider _time;
    private readonly ILogger<SessionService> _logger;
    private readonly UserGate _users = new();
    private readonly Security.AuthThrottle _throttle;
    private readonly SessionMetrics? _metrics;

    public SessionService(SessionRegistry registry, ISessionLauncher launcher, BackendStarter backends, DisplayAllocator displays, SessionTokenFiles tokens,
        IOptionsMonitor<PolicyBook> policies, RdsClient rds, IOptionsMonitor<SessionsOptions> options, TimeProvider time, ILogger<SessionService> logger, Security.AuthThrottle throttle,
        SessionMetrics? metrics = null)
    {
        _metrics = metrics;
        _throttle = throttle;
        _registry = registry;
        _launcher = launcher;
        _backends = backends;
        _displays = displays;
        _tokens = tokens;
        _policies = policies;
        _rds = rds;
        _settings = options;
        _time = time;
        _logger = logger;
        registry.DisconnectedTimeoutElapsed = (id, disconnect) => _ = EndAsync(id, "disconnected timeout passed", logoffConnection: false, disconnect);
    }

    public SessionRegistry Registry => _registry;

    /// <summary>The Sessions:* settings in use (they follow reloads; read once per logon or call).</summary>
    private SessionsOptions Settings => _settings.CurrentValue;

    /// <summary>smctl drain: new user sessions refused, reconnects served.</summary>
    public DrainSwitch Drain { get; } = new();

    /// <summary>
    /// LogonUser: authenticate, pick or create the session, start its backend, and return what
    /// the RDS needs, all within <see cref="SessionsOptions.LogonBudget"/>. Bad or missing
    /// credentials give the greeter when one is configured.
    /// </summary>
    /// <remarks>
    /// The answer leaves when the budget runs out, whatever the logon is waiting for: what it
    /// still does (a backend that ignores SIGTERM stopped, a step that does not heed the budget)
    /// goes on in the background, and the connection counts as logging on until it is done.
    /// </remarks>
    /// <exception cref="LogonFailedException">no session can be given; the message is for the RDS's log.</exception>
    public async Task<LogonGrant> LogonAsync(LogonRequest request)
    {
        // Read once: a reload during this logon does not change its budget.
        var budget = new LogonBudget(Settings.LogonBudget, _time);
        long started = _time.GetTimestamp();
        var geometry = new Properties.ConnectionGeometry(request.Client.Width, request.Client.Height, request.Client.ColorDepth, request.Client.Width, request.Client.Height);
        var logon = _registry.BeginLogon(request.ConnectionId, request.LinkGeneration, request.Client, geometry);
        LogonStarted(_logger, request.User, request.ConnectionId);
        var work = LogonWithinBudgetAsync(request, budget);
        bool answeredByWork = false;
        try
        {
            var grant = await work.WaitAsync(budget.Token);
            answeredByWork = true;
            LogonOutcome(_logger, "granted", request.User, request.Client.Address, request.ConnectionId, $"session {grant.Session.Id} ({(grant.Session.IsGreeter ? "greeter" : grant.Session.Backend)})");
            return grant;
        }
        catch (OperationCanceledException) when (budget.RanOut)
        {
            string reason = budget.Reason;
            LogonOutcome(_logger, "failed", request.User, request.Client.Address, request.ConnectionId, reason);
            throw new LogonFailedException(reason);
        }
        catch (LogonFailedException ex)
        {
            answeredByWork = true;
            LogonOutcome(_logger, "failed", request.User, request.Client.Address, request.ConnectionId, ex.Message);
            throw;
        }
        catch (Exception) when (work.IsCompleted)
        {
            answeredByWork = true;
            throw;
        }
        finally
        {
            // Read as the answer leaves: a logon the budget cut short counts as an error even if it ends well later.
            _metrics?.Logon(budget.Outcome ?? SessionMetrics.Outcomes.Error);
            _metrics?.LogonTimed(_time.GetElapsedTime(started), budget.Pam, budget.Backend);
            InBackground(FinishLogonAsync(work, answeredByWork, budget, logon, request), $"the logon of {request.User} (connection {request.ConnectionId})");
        }
    }

    /// <summary>
    /// After the answer: waits for what the logon still does, then ends it. A session it attached
    /// after the budget had answered FAILED is let go as if the client disconnected (the RDS has
    /// closed it): a greeter ends, a user session is kept Disconnected for a reconnect.
    /// </summary>
    private async Task FinishLogonAsync(Task<LogonGrant> work, bool answeredByWork, LogonBudget budget, TaskCompletionSource logon, LogonRequest request)
    {
        LogonGrant? late = null;
        try
        {
            late = await work;
        }
        catch (Exception) when (answeredByWork)
        {
            // The answer carried it.
        }
        catch (Exception ex) when (ex is LogonFailedException or OperationCanceledException)
        {
            // Already answered FAILED for the budget; a session it had begun is ending.
        }
        finally
        {
            SessionRegistry.EndLogon(logon);
            budget.Dispose();
        }

        // Only while the id is still this link's: a restarted RDS may have given it to another client.
        if (!answeredByWork && late is { } grant && _registry.LinkGenerationOf(request.ConnectionId) == request.LinkGeneration)
        {
            LateLogonLetGo(_logger, request.User, request.ConnectionId, grant.Session.Id);
            await ConnectionClosedAsync(request.ConnectionId);
        }
    }

    private async Task<LogonGrant> LogonWithinBudgetAsync(LogonRequest request, LogonBudget budget)
    {
        if (request.User.Length == 0 || request.Password.Length == 0)
        {
            budget.Outcome = SessionMetrics.Outcomes.NoCredentials;
            return await GreeterAsync(request, "no credentials", budget);
        }

        if (!_throttle.MayTry(request.User, request.Client.Address, "LogonUser", out string throttled))
        {
            // Answered as a failed authentication, without asking PAM.
            budget.Outcome = SessionMetrics.Outcomes.Throttled;
            return await GreeterAsync(request, throttled, budget);
        }

        ILogonAttempt attempt;
        budget.Step($"authenticating {request.User} with PAM");
        long pamStarted = _time.GetTimestamp();
        try
        {
            attempt = await _launcher.AuthenticateAsync(request.User, request.Password, request.Client.Address, budget.Token);
            budget.Pam = _time.GetElapsedTime(pamStarted);
        }
        catch (AuthenticationFailedException ex)
        {
            // Before the greeter starts: its backend is not PAM's time.
            budget.Pam = _time.GetElapsedTime(pamStarted);
            budget.Outcome = SessionMetrics.Outcomes.BadPassword;
            _throttle.Failed(request.User, request.Client.Address, "LogonUser", ex.Message);
            LogonOutcome(_logger, "rejected", request.User, request.Client.Address, request.ConnectionId, ex.Message);
            return await GreeterAsync(request, ex.Message, budget);
        }
        catch (LauncherUnavailableException ex)
        {
            throw new LogonFailedException(ex.Message);
        }

        await using (attempt)
        {
            var session = await UserSessionAsync(attempt, request.Rds, request.Client, (s, reused) =>
            {
                if (reused)
                {
                    budget.Step($"closing the connection of {s.Record.User}'s session {s.Id} (taken over)");
                    return TakeOverAsync(s, request.ConnectionId, request.LinkGeneration);
                }

                return AttachOrLetGoAsync(s, request.ConnectionId, request.LinkGeneration);
            }, budget);
            budget.Outcome = SessionMetrics.Outcomes.Success;
            return Grant(session.Record);
        }
    }

    /// <summary>
    /// The authenticated user's session, per the policy (SessionChooser): an existing one, or a
    /// new one started with this attempt's PAM handle. <paramref name="commit"/> (reused or not)
    /// runs while the user's gate is held, so that a second logon of the same user racing this
    /// one sees the session attached, not half-made.
    /// </summary>
    private async Task<Session> UserSessionAsync(ILogonAttempt attempt, PeerCredentials rds, ClientInfo client, Func<Session, bool, Task> commit, LogonBudget budget)
    {
        var account = attempt.Account;
        var policy = _policies.CurrentValue.For(account.UserName, account.Groups);
        budget.Step($"waiting for another logon of {account.UserName} to finish");
        using var gate = await _users.EnterAsync(account.UserName, budget.Token);
        budget.Step($"choosing {account.UserName}'s session");

        var choice = SessionChooser.Choose(policy, _registry.SessionsOf(account.UserName), client.HostName);
        foreach (var other in choice.EndFirst)
        {
            budget.Step($"ending {account.UserName}'s session {other.Id} (single session)");
            await EndAsync(other.Id, "replaced by a new logon (single session)", logoffConnection: true);
        }

        if (choice.Reuse is { } existing && _registry.Get(existing.Id) is { } reused)
        {
            await attempt.DiscardAsync();
            await commit(reused, true);
            return reused;
        }

        if (Drain.IsDraining)
        {
            // The greeter cannot show a text of ours (SBP has no message): the client sees a
            // failed logon, and the log says why.
            LogonRefusedDraining(_logger, account.UserName, client.Address);
            throw new LogonFailedException($"the session manager is draining (maintenance): no new session for {account.UserName}");
        }

        var session = await StartSessionAsync(account.UserName, null, isGreeter: false, policy, policy.Backend, client, rds,
            (launch, ct) => attempt.StartBackendAsync(launch, ct), account.Uid, account.Gid, budget, account.Groups);
        await commit(session, false);
        return session;
    }

    /// <summary>
    /// Attaches an existing session to a new connection. If it is attached elsewhere, that
    /// connection is closed first (LogoffUserSession), never both at once.
    /// </summary>
    /// <remarks>
    /// Connections are (link generation, id): a connection of an older link went with it (the
    /// RDS restarted and numbers from 1 again), so it is only detached, never named in a
    /// LogoffUserSession over the new link, where its id may be another client's.
    /// </remarks>
    private async Task TakeOverAsync(Session session, uint connectionId, long linkGeneration)
    {
        if (_registry.IsLinkLost(linkGeneration))
        {
            // This logon's own link is gone: it must not take the session from a live connection.
            LogonLinkLost(_logger, session.Record.User, connectionId, linkGeneration, session.Id);
            throw new LogonFailedException($"the RDS link of connection {connectionId} went away during the logon");
        }

        if (_registry.ConnectionOf(session) is { } old && old != (connectionId, linkGeneration))
        {
            if (_registry.LiveConnectionOf(session) is { } live)
            {
                await LogoffConnectionAsync(live);
            }
            else
            {
                TakeOverFromLostLink(_logger, session.Id, old.Id, old.LinkGeneration, linkGeneration);
            }

            _registry.Detach(session, "taken over by a new logon");
        }

        await AttachOrLetGoAsync(session, connectionId, linkGeneration);
    }

    /// <summary>
    /// Attaches the session to the logon's connection, unless the connection's link died during
    /// the logon: then the session is let go as if its client had left (a greeter ends, a user
    /// session is Disconnected, or ends if its policy keeps none) and the logon fails.
    /// </summary>
    private Task AttachOrLetGoAsync(Session session, uint connectionId, long linkGeneration)
    {
        if (_registry.Attach(session, connectionId, linkGeneration))
        {
            return Task.CompletedTask;
        }

        LogonLinkLost(_logger, session.Record.User, connectionId, linkGeneration, session.Id);
        const string reason = "its RDS link went away during the logon";
        // Ends are not awaited: the failed answer need not wait for a backend's stop (EndAsync owns it).
        if (session.Record.IsGreeter)
        {
            _ = EndAsync(session.Id, reason, logoffConnection: false);
        }
        else
        {
            _registry.Detach(session, reason);
            if (session.Policy.DisconnectedTimeout == TimeSpan.Zero || !session.Policy.Reconnect)
            {
                _ = EndAsync(session.Id, "disconnected, and its policy keeps no disconnected session", logoffConnection: false);
            }
        }

        throw new LogonFailedException($"the RDS link of connection {connectionId} went away during the logon");
    }

    private async Task<LogonGrant> GreeterAsync(LogonRequest request, string why, LogonBudget budget)
    {
        var policy = _policies.CurrentValue.Global;
        if (policy.Greeter.Length == 0)
        {
            throw new LogonFailedException($"authentication failed ({why}) and no greeter is configured (Sessions:Greeter)");
        }

        var backend = _backends.Find(policy.Greeter);
        string account = backend.User.Length > 0 ? backend.User : "nobody";
        var session = await StartSessionAsync(account, request.User, isGreeter: true, policy, policy.Greeter, request.Client, request.Rds,
            (launch, ct) => _launcher.StartUnauthenticatedAsync(launch, ct), null, null, budget);
        await AttachOrLetGoAsync(session, request.ConnectionId, request.LinkGeneration);
        return Grant(session.Record);
    }

    /// <summary>Creates the session, its token file and its backend, and waits for the endpoint; on any failure nothing is left.</summary>
    private async Task<Session> StartSessionAsync(string user, string? typedUser, bool isGreeter, SessionPolicy policy, string backendName, ClientInfo client, PeerCredentials rds,
        Func<BackendLaunch, CancellationToken, Task<IBackendProcess>> start, uint? uid, uint? gid, LogonBudget budget, IReadOnlyList<string>? groups = null)
    {
        BackendOptions backend;
        try
        {
            backend = _backends.Find(backendName);
        }
        catch (BackendStartException ex)
        {
            throw new LogonFailedException(ex.Message);
        }

        int? display = backend.UsesDisplay ? _displays.Allocate(backend.DisplayOffset) : null;
        Session session;
        try
        {
            session = _registry.Create(new NewSession(user, typedUser, isGreeter, backendName, id => new Placeholders(id, "", "", display, 0, 0, 0, user).Fill(backend.Endpoint), display, client)
            {
                Groups = groups ?? [],
            }, policy);
        }
        catch (SessionLimitException ex)
        {
            budget.Outcome = SessionMetrics.Outcomes.Denied;
            if (display is { } d)
            {
                _displays.Release(d);
            }

            throw new LogonFailedException(ex.Message);
        }

        try
        {
            // Greeters keep a root-owned token file, as ogon: their account is not the user's.
            string token = SessionRegistry.NewSecret(32);
            _registry.SetTokenFile(session, _tokens.Create(session.Id, token, isGreeter ? 0 : uid ?? 0, isGreeter ? 0 : gid ?? 0), token);
            _backends.RemoveStaleEndpoint(session.Record);
            var launch = _backends.LaunchFor(session.Record, backend, user, rds.Uid, rds.Pid, client);
            long startAt = System.Diagnostics.Stopwatch.GetTimestamp();
            budget.Step($"starting backend '{backendName}' for session {session.Id}");
            var process = await start(launch, budget.Token);
            long startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            _registry.BackendStarted(session, process);
            _ = WatchBackendAsync(session.Id, process);
            uint backendUid = uid ?? ResolveUid(backend.User);
            budget.Step($"waiting for backend '{backendName}' to create its endpoint {session.Record.PipeName} for session {session.Id} "
                + $"(Backends:{backendName}:StartTimeout is {LogonBudget.Seconds(backend.StartTimeout)} s)");
            await _backends.WaitForEndpointAsync(session.Record, backendName, backend, backendUid, process, budget.Token);
            budget.Backend += System.Diagnostics.Stopwatch.GetElapsedTime(startAt);
            BackendTimed(_logger, session.Id, System.Diagnostics.Stopwatch.GetElapsedTime(startAt, startedAt).TotalMilliseconds,
                System.Diagnostics.Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds);
            return session;
        }
        // LauncherLostException: the launcher died while the backend was coming up (the endpoint
        // wait sees the backend's end fault); the half-made session ends like any failed start.
        catch (Exception ex) when (ex is BackendStartException or IOException or LauncherUnavailableException or LauncherLostException or OperationCanceledException)
        {
            string reason = ex is OperationCanceledException && budget.RanOut ? budget.Reason : $"backend '{backendName}' did not come up: {ex.Message}";
            // Not awaited: the answer must not wait for the stop (a backend ignoring SIGTERM is
            // killed only after its StopTimeout). The end goes on, owned by EndAsync.
            _ = EndAsync(session.Id, reason, logoffConnection: false);
            if (ex is OperationCanceledException)
            {
                throw;
            }

            throw new LogonFailedException(reason);
        }
    }

    private static uint ResolveUid(string account) => Native.Accounts.UidOf(account) ?? throw new BackendStartException($"no account named '{account}'");

    private async Task WatchBackendAsync(int sessionId, IBackendProcess process)
    {
        string reason;
        try
        {
            reason = $"its backend exited (status {await process.Exited})";
        }
        catch (LauncherLostException lost)
        {
            // Nobody supervises the backend any more and nobody would report its end: the session
            // ends now (its StopAsync stops the backend by its recorded pid and start time).
            _logger.SessionLauncherLost(sessionId, lost.LauncherPid, lost.Reason);
            reason = lost.Message;
        }

        if (_registry.Get(sessionId) is not null)
        {
            await EndAsync(sessionId, reason, logoffConnection: true);
        }
    }

    private static LogonGrant Grant(SessionRecord session) => new(session, PipesOptions.WinPrPrefix + session.PipeName);

    /// <summary>
    /// DisconnectUserSession: the RDP client of <paramref name="connectionId"/> is gone (SESSIONS.md §4).
    /// A logon still running on it is waited for first. Greeter sessions end; user sessions become
    /// Disconnected, or end now when their policy keeps nothing (timeout 0, no reconnect).
    /// </summary>
    public async Task<bool> ConnectionClosedAsync(uint connectionId)
    {
        if (_registry.LogonInProgress(connectionId) is { } logon)
        {
            await logon;
        }

        var record = _registry.ForConnection(connectionId);
        _registry.ForgetConnection(connectionId);
        if (record is null || _registry.Get(record.Id) is not { } session)
        {
            return false;
        }

        if (session.Record.IsGreeter)
        {
            await EndAsync(session.Id, "its RDP client disconnected from the greeter", logoffConnection: false);
            return true;
        }

        _registry.Detach(session, "RDP client disconnected");
        if (session.Policy.DisconnectedTimeout == TimeSpan.Zero || !session.Policy.Reconnect)
        {
            await EndAsync(session.Id, "disconnected, and its policy keeps no disconnected session", logoffConnection: false);
        }

        return true;
    }

    /// <summary>
    /// The RDS link of <paramref name="linkGeneration"/> is gone: its sessions lose their
    /// connection (greeters end), timers go on. Sessions of a newer link (an RDS that reconnected
    /// before this was handled) are left alone.
    /// </summary>
    public async Task LinkLostAsync(long linkGeneration)
    {
        foreach (var session in _registry.LinkLost(linkGeneration))
        {
            if (session.Record.IsGreeter)
            {
                await EndAsync(session.Id, "the RDS server went away", logoffConnection: false);
            }
            else
            {
                _registry.Detach(session, "the RDS server went away", onlyLinksThrough: linkGeneration);
            }
        }
    }

    /// <summary>fdsapi disconnectSession: close the RDP connection, keep the session Disconnected.</summary>
    public async Task<bool> DisconnectAsync(int sessionId, string reason = "disconnected by an fdsapi client")
    {
        if (_registry.Get(sessionId) is not { } session || session.Record.ConnectionId is null)
        {
            return false;
        }

        // A connection of a link that is gone is closed already: only the session is left to detach.
        bool closed = _registry.LiveConnectionOf(session) is { } connectionId && await LogoffConnectionAsync(connectionId);
        _registry.Detach(session, reason);
        return closed;
    }

    /// <summary>
    /// Ends a session: LogoffUserSession to its connection (if asked and it has one), the backend
    /// stopped (SIGTERM, then SIGKILL after its StopTimeout; its PAM session then closes), the
    /// token file removed. Runs once; concurrent calls wait for the same end.
    /// </summary>
    public Task EndAsync(int sessionId, string reason, bool logoffConnection) => EndAsync(sessionId, reason, logoffConnection, disconnectGeneration: null);

    /// <summary>
    /// As above; with <paramref name="disconnectGeneration"/> (the disconnected timeout) only if the
    /// session is still in that disconnect: the registry decides under its lock, so a reconnect that
    /// lands while the timeout fires keeps the session (and a later end is not blocked).
    /// </summary>
    private Task EndAsync(int sessionId, string reason, bool logoffConnection, long? disconnectGeneration)
    {
        if (_registry.Get(sessionId) is not { } session)
        {
            return Task.CompletedTask;
        }

        lock (session)
        {
            if (session.Ending is null)
            {
                // Taken out of the registry here, before Ending is set: an end that does not apply leaves no trace.
                if (_registry.BeginEnd(session, reason, disconnectGeneration) is not { } ended)
                {
                    return Task.CompletedTask;
                }

                // The Down record keeps the connection the session had; only a live link's counts.
                session.Ending = EndOnceAsync(ended, _registry.LiveConnectionOf(session), logoffConnection);
                InBackground(session.Ending, $"ending session {sessionId}");
            }

            return session.Ending;
        }
    }

    private async Task EndOnceAsync((SessionRecord Record, IBackendProcess? Backend, string? TokenFile) e, uint? liveConnection, bool logoffConnection)
    {
        // Never a connection of a link that is gone: its id may be another client's on the new link.
        uint? connectionId = liveConnection;

        if (logoffConnection && connectionId is { } c)
        {
            await LogoffConnectionAsync(c);
        }

        if (e.Backend is { } backend)
        {
            try
            {
                await backend.StopAsync(_backends.StopTimeoutOf(e.Record.Backend));
            }
            catch (Exception ex)
            {
                BackendStopFailed(_logger, e.Record.Id, ex.Message);
            }
        }

        if (e.TokenFile is { } token)
        {
            _tokens.Remove(token);
        }

        if (e.Record.Display is { } display)
        {
            _displays.Release(display);
        }
    }

    /// <summary>Asks the RDS to close a client connection (ICP 5); true if it did. Never throws.</summary>
    internal async Task<bool> LogoffConnectionAsync(uint connectionId)
    {
        try
        {
            var answer = await _rds.CallAsync<LogoffUserSessionResponse>(MsgType.LogoffUserSession, new LogoffUserSessionRequest { ConnectionId = connectionId },
                new IcpCallOptions { Timeout = Settings.LogoffTimeout }, CancellationToken.None);
            return answer.Loggedoff;
        }
        catch (IcpException ex)
        {
            LogoffFailed(_logger, connectionId, ex.Message);
            return false;
        }
    }

    /// <summary>startRemoteControlSession succeeded: the source session is shadowing (Active → Shadow).</summary>
    public bool ShadowingStarted(int sessionId) => _registry.Get(sessionId) is { } session && _registry.SetShadowing(session, shadowing: true);

    /// <summary>RemoteControlEnded: the session's shadowing is over (Shadow → Active).</summary>
    public bool ShadowingEnded(int sessionId) => _registry.Get(sessionId) is { } session && _registry.SetShadowing(session, shadowing: false);

    /// <summary>Ends every session (shutdown with Sessions:OnShutdown = logoff), and waits for the ends and logons still going on in the background.</summary>
    public async Task EndAllAsync(string reason)
    {
        await Task.WhenAll(_registry.Snapshot().Select(s => EndAsync(s.Id, reason, logoffConnection: true)));
        await DrainBackgroundAsync();
    }

    [LoggerMessage(3500, LogLevel.Information, "Logon {Outcome} for {User} from {ClientAddress} (connection {ConnectionId}): {Detail}")]
    private static partial void LogonOutcome(ILogger logger, string outcome, string user, string clientAddress, uint connectionId, string detail);

    [LoggerMessage(3501, LogLevel.Warning, "LogoffUserSession for connection {ConnectionId} failed: {Reason}")]
    private static partial void LogoffFailed(ILogger logger, uint connectionId, string reason);

    // Debug: where a logon's time goes (bench/logon-storm takes the backend's share out of the daemon's own time).
    [LoggerMessage(3503, LogLevel.Debug, "Session {SessionId}: backend start took {BackendStartMs} ms, its endpoint was ready {EndpointWaitMs} ms later")]
    private static partial void BackendTimed(ILogger logger, int sessionId, double backendStartMs, double endpointWaitMs);

    [LoggerMessage(3504, LogLevel.Debug, "Logon of {User} (connection {ConnectionId}) started")]
    private static partial void LogonStarted(ILogger logger, string user, uint connectionId);

    [LoggerMessage(3506, LogLevel.Warning, "Logon of {User} (connection {ConnectionId}) attached session {SessionId} after its answer had left (Sessions:LogonBudget): let go as if the client disconnected")]
    private static partial void LateLogonLetGo(ILogger logger, string user, uint connectionId, int sessionId);

    [LoggerMessage(3520, LogLevel.Warning, "Logon of {User} (connection {ConnectionId}) outlived its RDS link (generation {LinkGeneration}): session {SessionId} let go as if the client disconnected")]
    private static partial void LogonLinkLost(ILogger logger, string? user, uint connectionId, long linkGeneration, int sessionId);

    [LoggerMessage(3521, LogLevel.Information, "Session {SessionId} taken over from connection {ConnectionId} of RDS link generation {OldLinkGeneration}, gone with its link: detached without LogoffUserSession (now generation {LinkGeneration})")]
    private static partial void TakeOverFromLostLink(ILogger logger, int sessionId, uint connectionId, long oldLinkGeneration, long linkGeneration);

    [LoggerMessage(3590, LogLevel.Warning, "Logon of {User} from {ClientAddress} refused: the session manager is draining (smctl drain) and the user has no session to reconnect to")]
    private static partial void LogonRefusedDraining(ILogger logger, string user, string clientAddress);

    [LoggerMessage(3502, LogLevel.Warning, "Session {SessionId}: stopping its backend failed: {Reason}")]
    private static partial void BackendStopFailed(ILogger logger, int sessionId, string reason);
}

/// <summary>No session can be given to a logon: LogonUser answers FAILED with this short description.</summary>
public sealed class LogonFailedException(string reason) : Exception(reason);
