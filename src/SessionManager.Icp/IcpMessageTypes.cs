namespace SessionManager.Icp;

/// <summary>msgType numbers that are not in the generated <c>MsgType</c> enum.</summary>
public static class IcpMessageTypes
{
    /// <summary>The version handshake: carried by <c>RPCBase.versionInfo</c>, not a payload.</summary>
    public const uint Handshake = 0xFFFFFFFF;

    /// <summary>Our protocol version, as ogon's session manager answers it.</summary>
    public const uint VersionMajor = 1;
    public const uint VersionMinor = 1;

    /// <summary>A readable name for logs; unknown numbers print as numbers.</summary>
    public static string NameOf(uint msgType) =>
        msgType == Handshake ? "Handshake"
        : Enum.IsDefined(typeof(Protocol.MsgType), (int)msgType) && msgType != 0 ? ((Protocol.MsgType)msgType).ToString()
        : msgType.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
