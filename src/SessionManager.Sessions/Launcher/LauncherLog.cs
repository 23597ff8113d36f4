using Microsoft.Extensions.Logging;

namespace SessionManager.Sessions.Launcher;

/// <summary>
/// Log events of the launcher client (ids 3000-3099). Names and properties are API for
/// operators. No event has a password parameter: PAM failures carry PAM's own text.
/// </summary>
internal static partial class LauncherLog
{
    [LoggerMessage(3001, LogLevel.Debug, "Launcher {LauncherPid} listening on {SocketPath} after {StartMs} ms (its turn to be spawned came after {SpawnWaitMs} ms)")]
    public static partial void LauncherStarted(this ILogger logger, int launcherPid, string socketPath, double startMs, double spawnWaitMs);

    [LoggerMessage(3002, LogLevel.Error, "Cannot log anyone on: the launcher {LauncherPath} does not exist (it is built with src/launcher, which needs gcc and libpam0g-dev)")]
    public static partial void LauncherMissing(this ILogger logger, string launcherPath);

    [LoggerMessage(3003, LogLevel.Information, "Launcher {LauncherPid}: {LauncherLine}")]
    public static partial void LauncherSaid(this ILogger logger, int launcherPid, string launcherLine);

    [LoggerMessage(3004, LogLevel.Information, "Authenticated {UserName} as {CanonicalUserName} (uid {Uid}) from {RemoteHost}")]
    public static partial void Authenticated(this ILogger logger, string userName, string canonicalUserName, uint uid, string remoteHost);

    [LoggerMessage(3005, LogLevel.Warning, "Authentication of {UserName} from {RemoteHost} failed: {Reason}")]
    public static partial void AuthenticationFailed(this ILogger logger, string userName, string remoteHost, string reason);

    [LoggerMessage(3006, LogLevel.Warning, "Authentication of {UserName} from {RemoteHost} timed out after {TimeoutSeconds} s: launcher {LauncherPid} killed")]
    public static partial void AuthenticationTimedOut(this ILogger logger, string userName, string remoteHost, string timeoutSeconds, int launcherPid);

    [LoggerMessage(3007, LogLevel.Information, "Backend {Program} started as {UserName}: pid {BackendPid} (launcher {LauncherPid})")]
    public static partial void BackendStarted(this ILogger logger, string program, string userName, int backendPid, int launcherPid);

    [LoggerMessage(3008, LogLevel.Warning, "Backend {Program} did not start: {Reason}")]
    public static partial void BackendStartFailed(this ILogger logger, string program, string reason);

    [LoggerMessage(3009, LogLevel.Information, "Backend of launcher {LauncherPid} ended: {BackendExit}")]
    public static partial void BackendExited(this ILogger logger, int launcherPid, BackendExit backendExit);

    [LoggerMessage(3010, LogLevel.Warning, "Lost the connection to launcher {LauncherPid}: {Reason}")]
    public static partial void ConnectionLost(this ILogger logger, int launcherPid, string reason);

    [LoggerMessage(3011, LogLevel.Information, "Reconnected to launcher {LauncherPid} on {SocketPath}")]
    public static partial void Reconnected(this ILogger logger, int launcherPid, string socketPath);

    [LoggerMessage(3012, LogLevel.Information, "Stopping the backend of launcher {LauncherPid} (SIGKILL after {StopTimeout})")]
    public static partial void StopRequested(this ILogger logger, int launcherPid, TimeSpan stopTimeout);

    // Debug: where a logon's time goes (bench/logon-storm takes PAM's share out of the daemon's own time).
    [LoggerMessage(3014, LogLevel.Debug, "PAM answered for {UserName} in {PamMs} ms, after {SlotWaitMs} ms waiting for an Auth:MaxConcurrent slot (launcher {LauncherPid})")]
    public static partial void AuthenticationTimed(this ILogger logger, string userName, double pamMs, double slotWaitMs, int launcherPid);

    [LoggerMessage(3015, LogLevel.Debug, "sm-spawner {SpawnerPid} started after {StartMs} ms: launchers are started through it")]
    public static partial void SpawnerStarted(this ILogger logger, int spawnerPid, double startMs);

    [LoggerMessage(3016, LogLevel.Warning, "sm-spawner {SpawnerPid} ended: {Reason}; starting another (running launchers go on)")]
    public static partial void SpawnerEnded(this ILogger logger, int spawnerPid, string reason);

    [LoggerMessage(3020, LogLevel.Debug, "sm-spawner {SpawnerPid} ended while the daemon stops: {Reason}; not started again")]
    public static partial void SpawnerEndedAtShutdown(this ILogger logger, int spawnerPid, string reason);

    [LoggerMessage(3017, LogLevel.Information, "sm-spawner {SpawnerPid}: {SpawnerLine}")]
    public static partial void SpawnerSaid(this ILogger logger, int spawnerPid, string spawnerLine);

    // Debug: bench/logon-storm counts the wait for a launcher as the daemon's own time.
    [LoggerMessage(3018, LogLevel.Debug, "Logon got launcher {LauncherPid} after {LauncherWaitMs} ms (from the pool: {FromPool})")]
    public static partial void LauncherAssigned(this ILogger logger, int launcherPid, double launcherWaitMs, bool fromPool);

    [LoggerMessage(3019, LogLevel.Warning, "Could not start an idle launcher for the pool: {Reason} (tried again at the next logon)")]
    public static partial void PoolFillFailed(this ILogger logger, string reason);

    [LoggerMessage(3013, LogLevel.Error, "Launcher {LauncherPath} did not start: {Reason}")]
    public static partial void LauncherFailedToStart(this ILogger logger, string launcherPath, string reason);

    [LoggerMessage(3021, LogLevel.Warning, "Session {SessionId}: its launcher {LauncherPid} was lost ({Reason}); ending the session and stopping its backend")]
    public static partial void SessionLauncherLost(this ILogger logger, int sessionId, int launcherPid, string reason);

    [LoggerMessage(3022, LogLevel.Information, "Created the launchers' state directory {StateDirectory} (mode 0700)")]
    public static partial void StateDirectoryCreated(this ILogger logger, string stateDirectory);
}
