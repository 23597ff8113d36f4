namespace SessionManager.Icp.Errors;

/// <summary>Why a new ICP connection was closed before it was served (second connection, uid not allowed).</summary>
public sealed class IcpPeerRefusedException(string message) : Exception(message);
