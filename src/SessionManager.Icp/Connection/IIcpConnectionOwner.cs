namespace SessionManager.Icp.Connection;

/// <summary>
/// Who a connection reports its lifecycle to (the <see cref="RdsLink"/>). Both calls are made
/// synchronously by the connection, so the owner's view is never behind the connection's.
/// </summary>
public interface IIcpConnectionOwner
{
    /// <summary>The handshake is answered (or a legacy peer sent its first request): calls may flow.</summary>
    void OnReady(IcpConnection connection);

    /// <summary>The connection has ended (called once, from <see cref="IcpConnection.Abort"/>).</summary>
    void OnAborted(IcpConnection connection, Exception reason);
}
