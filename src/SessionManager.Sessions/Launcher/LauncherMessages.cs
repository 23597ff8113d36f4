namespace SessionManager.Sessions.Launcher;

/// <summary>Message types of the control channel; the layout is in src/launcher/protocol.h.</summary>
internal enum LauncherMessageType : byte
{
    Authenticate = 1,
    Start = 2,
    Stop = 3,
    Status = 4,
    Discard = 5,
    AuthOk = 0x81,
    Failed = 0x82,
    Started = 0x83,
    StatusReply = 0x84,
    Done = 0x85,
    Exited = 0x86,

    // daemon <-> sm-spawner
    Spawn = 0x10,
    Spawned = 0x90,
    SpawnFailed = 0x91,
    Ready = 0x92,
    Log = 0x93,
    ChildExited = 0x94,
}

/// <summary>The account PAM authenticated (its canonical name from PAM_USER, which a module may
/// have mapped) and the identity its backend would get.</summary>
public sealed record AuthenticatedAccount(string UserName, uint Uid, uint Gid, string Home, string Shell, IReadOnlyList<uint> Groups);

/// <summary>Whom a backend runs as.</summary>
public abstract record BackendIdentity
{
    /// <summary>The user of the successful <see cref="LauncherConnection.AuthenticateAsync"/>, with the PAM session opened.</summary>
    public static BackendIdentity AuthenticatedUser { get; } = new AuthenticatedUserIdentity();

    /// <summary>A fixed account (a greeter: default <c>nobody</c>), without authentication and without a PAM session.</summary>
    public static BackendIdentity Account(string name, bool allowRoot = false) => new FixedAccountIdentity(name, allowRoot);
}

internal sealed record AuthenticatedUserIdentity : BackendIdentity;

internal sealed record FixedAccountIdentity(string Name, bool AllowRoot) : BackendIdentity;

/// <summary>What to start: argv[0] is an absolute path or a name found on the backend's PATH;
/// <paramref name="Environment"/> is added to USER LOGNAME HOME SHELL PATH and PAM's variables
/// (and wins over them); <paramref name="WorkingDirectory"/> null means the account's home.</summary>
public sealed record BackendSpec(
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string> Environment,
    BackendIdentity RunAs,
    string? WorkingDirectory = null);

/// <summary>A started backend: its pid is also its process group and session id.</summary>
public sealed record BackendStarted(int Pid, int ProcessGroup, IReadOnlyDictionary<string, string> PamEnvironment);

/// <summary>How a backend ended: <see cref="ExitCode"/> if it exited, else the <see cref="Signal"/> that killed it.</summary>
public sealed record BackendExit(int? ExitCode, int? Signal)
{
    public override string ToString() => ExitCode is { } code ? $"exit code {code}" : $"killed by signal {Signal}";
}

/// <summary>What a launcher is doing: state is new, authenticated, running, stopping or exited.</summary>
public sealed record LauncherStatus(string State, string UserName, int Pid, int ProcessGroup, BackendExit? Exit);
