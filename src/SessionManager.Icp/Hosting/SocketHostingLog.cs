using Microsoft.Extensions.Logging;

namespace SessionManager.Icp.Hosting;

/// <summary>Log events of the socket set-up (ids 1050-1069, within the ICP engine's 1000-1099).</summary>
internal static partial class SocketHostingLog
{
    [LoggerMessage(1050, LogLevel.Information, "Created socket directory {SocketDirectory} (mode {DirectoryMode})")]
    public static partial void SocketDirectoryCreated(this ILogger logger, string socketDirectory, string directoryMode);

    [LoggerMessage(1051, LogLevel.Debug, "Holding lock file {LockPath} (pid {Pid})")]
    public static partial void LockAcquired(this ILogger logger, string lockPath, int pid);
}
