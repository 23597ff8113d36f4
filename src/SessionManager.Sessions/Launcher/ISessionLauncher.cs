namespace SessionManager.Sessions.Launcher;

/// <summary>
/// Authentication and backends, done outside the daemon's process by a per-session launcher
/// (PAM, fork, setuid and supervision in C; see src/launcher). One launcher per logon attempt:
/// it authenticates, then either starts the new session's backend (opening the PAM session with
/// the same handle) or is discarded when an existing session is reused.
/// </summary>
public interface ISessionLauncher
{
    /// <summary>Authenticates with PAM (the account checks included).</summary>
    /// <returns>The attempt, holding its PAM handle; the caller must start a backend with it or discard it.</returns>
    /// <exception cref="AuthenticationFailedException">bad credentials, an account problem, a PAM timeout.</exception>
    /// <exception cref="LauncherUnavailableException">the launcher could not be run.</exception>
    Task<ILogonAttempt> AuthenticateAsync(string user, string password, string clientAddress, CancellationToken cancellationToken);

    /// <summary>Starts a backend as a fixed account, without authentication or PAM session (a greeter).</summary>
    Task<IBackendProcess> StartUnauthenticatedAsync(BackendLaunch launch, CancellationToken cancellationToken);
}

/// <summary>One authenticated logon attempt (a launcher holding its PAM handle).</summary>
public interface ILogonAttempt : IAsyncDisposable
{
    /// <summary>The account as PAM and the system name it (PAM_USER may canonicalise the typed name).</summary>
    AccountInfo Account { get; }

    /// <summary>Opens the PAM session and starts the backend as the account.</summary>
    Task<IBackendProcess> StartBackendAsync(BackendLaunch launch, CancellationToken cancellationToken);

    /// <summary>No new session is needed (an existing one is reused): the launcher ends without opening one.</summary>
    ValueTask DiscardAsync();
}

/// <summary>A running backend, supervised by its launcher.</summary>
public interface IBackendProcess
{
    int Pid { get; }

    /// <summary>Completes when the backend has exited (its PAM session is then closed), with its exit status.</summary>
    Task<int> Exited { get; }

    /// <summary>SIGTERM to its process group, SIGKILL after <paramref name="timeout"/>; completes once it is gone.</summary>
    Task StopAsync(TimeSpan timeout);
}

public sealed record AccountInfo(string UserName, uint Uid, uint Gid, string Home, string Shell, IReadOnlyList<string> Groups);

/// <summary>What to start: the argv (placeholders already filled), the extra environment, who runs it.</summary>
/// <param name="RunAs">A fixed account name, or null for the authenticated user.</param>
public sealed record BackendLaunch(IReadOnlyList<string> Command, IReadOnlyDictionary<string, string> Environment, string? RunAs);

public sealed class LauncherUnavailableException(string reason, Exception? inner = null) : Exception(reason, inner);

/// <summary>The backend could not be started (e.g. its program is missing); the message names why.</summary>
public sealed class BackendStartException(string reason) : Exception(reason);

/// <summary>
/// A backend's launcher went away before it reported the backend's end (killed, crashed, or its
/// connection broke): what <see cref="IBackendProcess.Exited"/> faults with. The session must end;
/// <see cref="IBackendProcess.StopAsync"/> then stops the backend without the launcher.
/// </summary>
public sealed class LauncherLostException(int launcherPid, string reason)
    : Exception($"its launcher (pid {launcherPid}) was lost: {reason}")
{
    public int LauncherPid { get; } = launcherPid;

    public string Reason { get; } = reason;
}
