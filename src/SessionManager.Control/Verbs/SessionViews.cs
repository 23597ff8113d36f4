using System.Reflection;
using SessionManager.Control.Protocol;
using SessionManager.Icp;
using SessionManager.Sessions.Launcher;
using SessionManager.Sessions.Logon;
using SessionManager.Sessions.Registry;

namespace SessionManager.Control.Verbs;

/// <summary>The registry's records and the daemon's state as smctl sees them.</summary>
internal static class SessionViews
{
    public static SessionView Of(SessionRecord s) => new()
    {
        Id = s.Id,
        User = s.User,
        TypedUser = s.TypedUser,
        State = s.State.ToString(),
        Greeter = s.IsGreeter,
        Backend = s.Backend,
        WinStation = s.WinStationName,
        Display = s.Display,
        Pipe = s.PipeName,
        BackendPid = s.BackendPid,
        ConnectionId = s.ConnectionId,
        ClientHost = s.Client.HostName,
        ClientAddress = s.Client.Address,
        ClientWidth = s.Client.Width,
        ClientHeight = s.Client.Height,
        ColorDepth = s.Client.ColorDepth,
        MaxWidth = s.MaxWidth,
        MaxHeight = s.MaxHeight,
        CreatedAt = s.CreatedAt,
        ConnectedAt = s.ConnectedAt,
        DisconnectedAt = s.DisconnectedAt,
        Groups = [.. s.Groups],
    };

    public static DaemonStatus Status(IReadOnlyList<SessionRecord> sessions, RdsClient rds, LinkWatch link, SessionLauncher launcher, SessionService service, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var current = rds.Current;
        var (size, idle) = launcher.PoolState;
        var byState = Enum.GetValues<SessionState>().Where(s => s != SessionState.Down).ToDictionary(s => s.ToString(), _ => 0);
        foreach (var s in sessions)
        {
            byState[s.State.ToString()] = byState.GetValueOrDefault(s.State.ToString()) + 1;
        }

        return new DaemonStatus
        {
            Version = DaemonVersion,
            StartedAt = link.StartedAt,
            UptimeSeconds = Math.Round((now - link.StartedAt).TotalSeconds, 1),
            Link = new RdsLinkView
            {
                Connected = current is not null,
                PeerPid = current?.Peer.Pid,
                PeerUid = current?.Peer.Uid,
                Protocol = current?.PeerVersion is { } v ? $"{v.Vmajor}.{v.Vminor}" : null,
                Generation = rds.Link.Generation,
                Since = link.Since,
            },
            SessionCount = sessions.Count,
            SessionsByState = byState,
            LauncherPool = new LauncherPoolView { Size = size, Idle = idle },
            PendingCalls = current?.PendingCallCount ?? 0,
            Draining = service.Drain.IsDraining,
        };
    }

    private static string DaemonVersion { get; } =
        // The daemon's own (a host that is not the daemon, such as a test runner, has another).
        (Assembly.GetEntryAssembly() is { } entry && entry.GetName().Name == "SessionManager" ? entry : typeof(SessionViews).Assembly).GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(SessionViews).Assembly.GetName().Version?.ToString() ?? "unknown";
}
