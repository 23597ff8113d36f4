using SessionManager.Sessions.Properties;

namespace SessionManager.Sessions.Registry;

/// <summary>An RDS client connection the registry knows (by the RDS's connectionId), under the registry's lock.</summary>
internal sealed class ConnectionEntry(uint id, long linkGeneration)
{
    public uint Id { get; } = id;

    /// <summary>The RDS link it belongs to: a restarted RDS reuses ids from 1.</summary>
    public long LinkGeneration { get; } = linkGeneration;

    public ClientInfo Client { get; set; } = ClientInfo.None;

    public ConnectionGeometry? Geometry { get; set; }

    public int? SessionId { get; set; }

    /// <summary>Completes when the connection's logon has been answered (DisconnectUserSession waits for it).</summary>
    public TaskCompletionSource? Logon { get; set; }
}
