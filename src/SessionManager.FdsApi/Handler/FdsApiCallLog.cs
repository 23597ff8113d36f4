using Microsoft.Extensions.Logging;

namespace SessionManager.FdsApi.Handler;

/// <summary>Log events of the call check point (ids 2050-2069; the rest of fdsapi is in FdsApiLog).</summary>
internal static partial class FdsApiCallLog
{
    [LoggerMessage(2050, LogLevel.Information, "{Method} session {SessionId}: not allowed ({Reason}); answered with its negative value")]
    public static partial void CallDenied(this ILogger logger, string method, int? sessionId, string reason);

    [LoggerMessage(2051, LogLevel.Information, "{Method} session {SessionId}: no such session ({Reason}); answered with its negative value")]
    public static partial void NoRoute(this ILogger logger, string method, int sessionId, string reason);
}
