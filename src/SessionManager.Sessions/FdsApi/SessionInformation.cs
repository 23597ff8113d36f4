using SessionManager.FdsApi.Generated;
using SessionManager.Sessions.Registry;

namespace SessionManager.Sessions.FdsApi;

/// <summary>
/// WTSQuerySessionInformation classes (FDSAPI.md "WTS_INFO_CLASS"), each in the union member the
/// table names. Times are Windows FILETIME (100 ns since 1601-01-01 UTC, 0 = never); ogon returns
/// WTSLogonTime inverted, this does not.
/// </summary>
public static class SessionInformation
{
    public const int WtsSessionId = 4, WtsUserName = 5, WtsWinStationName = 6, WtsDomainName = 7, WtsConnectState = 8, WtsClientBuildNumber = 9,
        WtsClientName = 10, WtsClientProductId = 12, WtsClientHardwareId = 13, WtsClientAddress = 14, WtsClientDisplay = 15,
        WtsClientProtocolType = 16, WtsLogonTime = 18, WtsSessionInfo = 24;

    public static TSessionInfoValue? Of(SessionRecord s, int infoClass, DateTimeOffset now) => infoClass switch
    {
        WtsSessionId => new TSessionInfoValue.int32Value(s.Id),
        WtsUserName => new TSessionInfoValue.stringValue(s.IsGreeter ? "" : s.User ?? ""),
        WtsWinStationName => new TSessionInfoValue.stringValue(s.WinStationName),
        WtsDomainName => new TSessionInfoValue.stringValue(""),
        WtsConnectState => new TSessionInfoValue.int32Value(s.State.ToWtsConnectState()),
        WtsClientBuildNumber => new TSessionInfoValue.int32Value(unchecked((int)s.Client.BuildNumber)),
        WtsClientName => new TSessionInfoValue.stringValue(s.Client.HostName),
        WtsClientProductId => new TSessionInfoValue.int16Value(unchecked((short)s.Client.ProductId)),
        WtsClientHardwareId => new TSessionInfoValue.int32Value(unchecked((int)s.Client.HardwareId)),
        WtsClientAddress => new TSessionInfoValue.stringValue(s.Client.Address),
        WtsClientDisplay => new TSessionInfoValue.displayValue(new TClientDisplay { DisplayWidth = s.Client.Width, DisplayHeight = s.Client.Height, ColorDepth = s.Client.ColorDepth }),
        WtsClientProtocolType => new TSessionInfoValue.int16Value(unchecked((short)s.Client.ProtocolType)),
        WtsLogonTime => new TSessionInfoValue.int64Value(FileTime(s.CreatedAt)),
        WtsSessionInfo => new TSessionInfoValue.WTSINFO(new TWTSINFO
            {
                State = s.State.ToWtsConnectState(),
                SessionId = s.Id,
                WinStationName = s.WinStationName,
                Domain = "",
                UserName = s.IsGreeter ? "" : s.User ?? "",
                ConnectTime = FileTime(s.ConnectedAt),
                DisconnectTime = FileTime(s.DisconnectedAt),
                LastInputTime = 0,
                LogonTime = FileTime(s.CreatedAt),
                CurrentTime = FileTime(now),
            }),
        _ => null,
    };

    /// <summary>Windows FILETIME: 100 ns ticks since 1601-01-01 UTC; 0 for never.</summary>
    public static long FileTime(DateTimeOffset? time) => time is { } t ? t.UtcDateTime.ToFileTimeUtc() : 0;
}
