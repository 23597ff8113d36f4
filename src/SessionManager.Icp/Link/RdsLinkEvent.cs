using SessionManager.Icp.Connection;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Link;

public enum RdsLinkEventKind
{
    /// <summary>An RDS server has connected and handshaken: calls may flow.</summary>
    Attached,

    /// <summary>That RDS server's link ended; every call pending on it has failed.</summary>
    Detached,
}

/// <summary>
/// A change of the RDS link. <see cref="Generation"/> numbers the links (1, 2, …): a Detached
/// followed by an Attached with a higher number is "the RDS server reconnected (or restarted)",
/// never "a session ended".
/// </summary>
public sealed record RdsLinkEvent(RdsLinkEventKind Kind, long Generation, PeerCredentials Peer, VersionInfo? PeerVersion, string? Reason);
