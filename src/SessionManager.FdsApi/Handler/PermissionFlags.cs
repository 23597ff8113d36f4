namespace SessionManager.FdsApi.Handler;

/// <summary>The permission flags of FDSAPI.md (getPermissionForToken), and which one each method needs.</summary>
public static class PermissionFlags
{
    public const int QueryInformation = 0x0001;
    public const int SetInformation = 0x0002;
    public const int RemoteControl = 0x0004;
    public const int Logon = 0x0008;
    public const int Logoff = 0x0010;
    public const int Message = 0x0020;
    public const int Connect = 0x0040;
    public const int Disconnect = 0x0080;
    public const int VirtualChannel = 0x0100;

    public const int Full = 0x01FF;
    public const int User = 0x0049;
    public const int Guest = 0x0008;

    /// <summary>The flag a method needs on a session that is not the token's own; 0: no token needed.</summary>
    public static int NeededBy(string method) => method switch
    {
        "virtualChannelOpen" or "virtualChannelClose" => VirtualChannel,
        "disconnectSession" => Disconnect,
        "logoffSession" => Logoff,
        "sendMessage" => Message,
        "startRemoteControlSession" or "stopRemoteControlSession" => RemoteControl,
        "enumerateSessions" or "querySessionInformation" => QueryInformation,
        _ => 0,
    };

    /// <summary>Methods that need no valid token (the token methods answer 0 / false for an unknown one themselves).</summary>
    public static bool NeedsNoToken(string method) => method is "ping" or "getVersionInfo" or "logonConnection" or "getPermissionForToken" or "logoffConnection";

    /// <summary>FULL, USER, GUEST, or a number (decimal or 0x hex); null if it is none of them.</summary>
    public static int? Parse(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        null => null,
        "FULL" => Full,
        "USER" => User,
        "GUEST" => Guest,
        var t when t.StartsWith("0X", StringComparison.Ordinal) && int.TryParse(t[2..], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out int hex) && (hex & ~Full) == 0 => hex,
        var t when int.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && (n & ~Full) == 0 => n,
        _ => null,
    };
}
