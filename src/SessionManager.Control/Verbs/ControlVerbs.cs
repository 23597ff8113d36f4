using Microsoft.Extensions.Logging;
using SessionManager.Control.Protocol;
using SessionManager.Control.Reload;
using SessionManager.Control.Security;
using SessionManager.Icp;
using SessionManager.Sessions.Launcher;
using SessionManager.Sessions.Logon;
using SessionManager.Sessions.Native;
using SessionManager.Sessions.Registry;

namespace SessionManager.Control.Verbs;

/// <summary>
/// What smctl's verbs do, and who may: root and the admin group everything; anyone else their
/// own sessions only (a session is theirs when its user's uid is theirs; greeters are nobody's),
/// as loginctl. Reads are logged at Debug, actions and refusals at Information/Warning.
/// </summary>
internal sealed partial class ControlVerbs(SessionService sessions, RdsClient rds, LinkWatch link, SessionLauncher launcher, IConfigurationReloader reloader,
    TimeProvider time, ILogger<ControlVerbs> logger)
{
    /// <summary>How long logoff waits for the sessions to end (a backend ignoring SIGTERM is killed after its StopTimeout).</summary>
    private static readonly TimeSpan EndWait = TimeSpan.FromSeconds(30);

    private SessionRegistry Registry => sessions.Registry;

    public async Task<ControlResponse> ExecuteAsync(ControlRequest request, ControlCaller caller, CancellationToken cancellationToken)
    {
        if (request.Version != ControlProtocol.Version)
        {
            return new ControlResponse
            {
                Outcome = ControlOutcome.UnsupportedVersion,
                Error = $"smctl speaks control protocol {request.Version}, the session manager {ControlProtocol.Version}: use the smctl installed with the daemon",
            };
        }

        var response = request.Verb switch
        {
            ControlVerb.Status => new ControlResponse { Status = SessionViews.Status(Registry.All(), rds, link, launcher, sessions, time) },
            ControlVerb.ListSessions => new ControlResponse { Sessions = [.. Visible(caller).Select(SessionViews.Of)] },
            ControlVerb.ShowSession => WithSession(request, caller, s => new ControlResponse { Sessions = [SessionViews.Of(s)] }),
            ControlVerb.ListUsers => new ControlResponse { Users = Users(caller) },
            ControlVerb.Disconnect => await WithSessionAsync(request, caller, s => DisconnectAsync(s, caller)),
            ControlVerb.Logoff => await LogoffAsync(request, caller),
            ControlVerb.SendMessage => await WithSessionAsync(request, caller, s => SendMessageAsync(s, request)),
            ControlVerb.Kill => WithSession(request, caller, s => SessionSignals.Send(s, request.Signal)),
            ControlVerb.Drain or ControlVerb.Undrain => AdminOnly(caller, () => Drain(request.Verb == ControlVerb.Drain, caller)),
            ControlVerb.Reload => await AdminOnlyAsync(caller, () => ReloadAsync(cancellationToken)),
            _ => new ControlResponse { Outcome = ControlOutcome.BadRequest, Error = $"unknown verb {request.Verb}" },
        };

        Record(request.Verb, caller, response);
        return response;
    }

    private void Record(ControlVerb verb, ControlCaller caller, ControlResponse response)
    {
        string name = Verb(verb);
        if (response.Outcome == ControlOutcome.PermissionDenied)
        {
            logger.ControlDenied(name, caller.Uid, caller.Pid, response.Error ?? "");
        }
        else if (verb is ControlVerb.Status or ControlVerb.ListSessions or ControlVerb.ShowSession or ControlVerb.ListUsers)
        {
            logger.ControlQuery(name, caller.Uid, caller.Pid, response.Outcome.ToString());
        }
        else
        {
            logger.ControlAction(name, caller.Uid, caller.Pid, response.Outcome.ToString(), response.Error ?? response.Message ?? "");
        }
    }

    internal static string Verb(ControlVerb verb) => verb switch
    {
        ControlVerb.ListSessions => "list-sessions",
        ControlVerb.ShowSession => "show-session",
        ControlVerb.ListUsers => "list-users",
        ControlVerb.SendMessage => "send-message",
        _ => verb.ToString().ToLowerInvariant(),
    };

    private IEnumerable<SessionRecord> Visible(ControlCaller caller)
    {
        var owners = new OwnerCache();
        return Registry.All().Where(s => s.State != SessionState.Down && (caller.IsAdmin || owners.Owns(caller.Uid, s))).OrderBy(s => s.Id);
    }

    private List<UserView> Users(ControlCaller caller) =>
    [
        .. Visible(caller).Where(s => !s.IsGreeter && s.User is not null).GroupBy(s => s.User!, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new UserView { User = g.Key, Uid = Accounts.UidOf(g.Key), SessionIds = [.. g.Select(s => s.Id)] }),
    ];

    private ControlResponse WithSession(ControlRequest request, ControlCaller caller, Func<SessionRecord, ControlResponse> act) =>
        Target(request, caller, out var session) ?? act(session!);

    private async Task<ControlResponse> WithSessionAsync(ControlRequest request, ControlCaller caller, Func<SessionRecord, Task<ControlResponse>> act) =>
        Target(request, caller, out var session) ?? await act(session!);

    /// <summary>Null when the caller may act on the session named; otherwise the refusal.</summary>
    private ControlResponse? Target(ControlRequest request, ControlCaller caller, out SessionRecord? session)
    {
        session = request.SessionId is { } id ? Registry.Find(id) : null;
        if (request.SessionId is null)
        {
            return new ControlResponse { Outcome = ControlOutcome.BadRequest, Error = "a session id is needed" };
        }

        if (session is null || session.State == SessionState.Down)
        {
            return new ControlResponse { Outcome = ControlOutcome.NoSuchSession, Error = $"no session {request.SessionId}" };
        }

        if (!caller.IsAdmin && !new OwnerCache().Owns(caller.Uid, session))
        {
            return Denied($"session {session.Id} is not yours");
        }

        return null;
    }

    private static ControlResponse Denied(string why) => new() { Outcome = ControlOutcome.PermissionDenied, Error = $"permission denied: {why}" };

    private static ControlResponse AdminOnly(ControlCaller caller, Func<ControlResponse> act) =>
        caller.IsAdmin ? act() : Denied("only root and the admin group (Control:AdminGroup) may do this");

    private static async Task<ControlResponse> AdminOnlyAsync(ControlCaller caller, Func<Task<ControlResponse>> act) =>
        caller.IsAdmin ? await act() : Denied("only root and the admin group (Control:AdminGroup) may do this");

    /// <summary>A session's owner: its user's uid (looked up once per request).</summary>
    private sealed class OwnerCache
    {
        private readonly Dictionary<string, uint?> _uids = new(StringComparer.Ordinal);

        public bool Owns(uint uid, SessionRecord s)
        {
            if (s.IsGreeter || s.User is not { } user)
            {
                return false;
            }

            if (!_uids.TryGetValue(user, out var owner))
            {
                owner = Accounts.UidOf(user);
                _uids[user] = owner;
            }

            return owner == uid;
        }
    }
}
