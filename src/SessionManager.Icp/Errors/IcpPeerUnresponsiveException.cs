namespace SessionManager.Icp.Errors;

/// <summary>The RDS server did not answer a heartbeat Ping in time: the link is given up.</summary>
public sealed class IcpPeerUnresponsiveException(TimeSpan waited)
    : Exception($"RDS server stopped answering (no answer to Ping within {waited.TotalSeconds:0.###} s)");
