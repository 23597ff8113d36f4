using SessionManager.Icp.Connection;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Handlers;

/// <summary>What a handler of an RDS→SM request knows about where it came from.</summary>
/// <param name="Connection">The ICP connection the request arrived on.</param>
/// <param name="Tag">The request's tag (its response carries it).</param>
/// <param name="LinkGeneration">Which RDS link this is (see <see cref="RdsLink"/>): a new number
/// after every reconnect, so state kept per link can tell "RDS restarted" from "same link".</param>
/// <param name="LinkClosed">Cancelled when the connection ends: nobody is left to answer.</param>
public readonly record struct IcpRequestContext(IcpConnection Connection, uint Tag, long LinkGeneration, CancellationToken LinkClosed)
{
    public PeerCredentials Peer => Connection.Peer;

    /// <summary>The peer's ICP version; null for a FreeRDS-era (legacy) peer.</summary>
    public VersionInfo? ProtocolVersion => Connection.PeerVersion;
}
