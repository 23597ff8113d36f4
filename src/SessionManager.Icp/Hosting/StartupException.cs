namespace SessionManager.Icp.Hosting;

/// <summary>
/// The daemon cannot start as configured. The message is one line for the operator, beginning
/// with the configuration key at fault; the host prints it and exits non-zero.
/// </summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
