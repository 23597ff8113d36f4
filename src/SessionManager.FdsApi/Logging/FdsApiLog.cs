using System.Net;
using Microsoft.Extensions.Logging;

namespace SessionManager.FdsApi.Logging;

/// <summary>Log events of the Thrift API (ids 2000-2099). Names and properties are API for operators.</summary>
internal static partial class FdsApiLog
{
    [LoggerMessage(2001, LogLevel.Information, "fdsapi listening on {Endpoint}")]
    public static partial void Listening(this ILogger logger, EndPoint endpoint);

    [LoggerMessage(2002, LogLevel.Information, "fdsapi client {Client} uses {WireFormat}, not framed binary: served as such")]
    public static partial void NonCanonicalWireFormat(this ILogger logger, EndPoint? client, string wireFormat);

    [LoggerMessage(2003, LogLevel.Warning, "Closed fdsapi client {Client}: {Mistake} (first bytes {FirstBytes})")]
    public static partial void ClientRefused(this ILogger logger, EndPoint? client, string mistake, string firstBytes);

    [LoggerMessage(2004, LogLevel.Debug, "fdsapi client {Client} connected")]
    public static partial void ClientConnected(this ILogger logger, EndPoint? client);

    [LoggerMessage(2005, LogLevel.Debug, "fdsapi client {Client} disconnected")]
    public static partial void ClientDisconnected(this ILogger logger, EndPoint? client);

    [LoggerMessage(2006, LogLevel.Warning, "fdsapi client {Client} dropped: {Reason}")]
    public static partial void ClientFailed(this ILogger logger, EndPoint? client, string reason);

    [LoggerMessage(2007, LogLevel.Debug, "{Method} session {SessionId} (ICP connection {ConnectionId}) answered in {ElapsedMs} ms")]
    public static partial void CallSucceeded(this ILogger logger, string method, int sessionId, uint connectionId, double elapsedMs);

    [LoggerMessage(2008, LogLevel.Warning, "{Method} session {SessionId} (ICP connection {ConnectionId}, tag {Tag}) failed after {ElapsedMs} ms: {Cause}")]
    public static partial void CallFailed(this ILogger logger, string method, int sessionId, uint connectionId, uint? tag, double elapsedMs, string cause);

    [LoggerMessage(2009, LogLevel.Information, "{Method} session {SessionId} (ICP connection {ConnectionId}): RDS server said no ({Reason})")]
    public static partial void CallRefused(this ILogger logger, string method, int sessionId, uint connectionId, string reason);

    [LoggerMessage(2010, LogLevel.Information, "{Method} session {SessionId} (ICP connection {ConnectionId}) without wait: RDS server answered {Outcome} after {ElapsedMs} ms")]
    public static partial void UnawaitedOutcome(this ILogger logger, string method, int sessionId, uint connectionId, string outcome, double elapsedMs);

    [LoggerMessage(2011, LogLevel.Error, "{Method} session {SessionId} failed unexpectedly")]
    public static partial void CallCrashed(this ILogger logger, Exception exception, string method, int sessionId);

    [LoggerMessage(2012, LogLevel.Information, "fdsapi stopping: {InFlight} calls in progress, waiting up to {GraceMs} ms")]
    public static partial void Draining(this ILogger logger, int inFlight, double graceMs);

    [LoggerMessage(2013, LogLevel.Warning, "fdsapi stopping: {InFlight} calls still in progress after the grace period: failing them")]
    public static partial void DrainTimedOut(this ILogger logger, int inFlight);

    [LoggerMessage(2014, LogLevel.Error, "fdsapi accept loop failed")]
    public static partial void AcceptFailed(this ILogger logger, Exception exception);

    [LoggerMessage(2015, LogLevel.Information, "{Method} called: not available in this configuration")]
    public static partial void NotAvailable(this ILogger logger, string method);

    [LoggerMessage(2016, LogLevel.Warning, "Suppressed {Suppressed} similar messages ({EventName}): at most {LinesPerInterval} per {IntervalMs} ms are logged")]
    public static partial void LinesSuppressed(this ILogger logger, int suppressed, string eventName, int linesPerInterval, double intervalMs);

    [LoggerMessage(2017, LogLevel.Warning, "Closed fdsapi client {Client} at once: {MaxConnections} clients are connected already (FdsApi:MaxConnections)")]
    public static partial void ConnectionLimitReached(this ILogger logger, EndPoint? client, int maxConnections);

    [LoggerMessage(2018, LogLevel.Warning, "Closed fdsapi client {Client}: it announced a frame of {FrameBytes} bytes, more than FdsApi:MaxFrameBytes ({MaxFrameBytes})")]
    public static partial void FrameTooLarge(this ILogger logger, EndPoint? client, long frameBytes, int maxFrameBytes);

    [LoggerMessage(2019, LogLevel.Warning, "Closed fdsapi client {Client}: it sent part of a message ({ReceivedBytes} bytes) and not the rest within FdsApi:FrameTimeout ({TimeoutMs} ms)")]
    public static partial void HalfSentMessage(this ILogger logger, EndPoint? client, long receivedBytes, double timeoutMs);

    [LoggerMessage(2020, LogLevel.Debug, "fdsapi client {Client} closed: the session manager is shutting down")]
    public static partial void ClosedAtShutdown(this ILogger logger, EndPoint? client);

    [LoggerMessage(2021, LogLevel.Warning, "FdsApi:RequireToken is false: tokens are not checked, any local process may act on any session")]
    public static partial void TokensNotChecked(this ILogger logger);

    [LoggerMessage(2022, LogLevel.Warning, "fdsapi listens on {Address}, beyond loopback, and serves plain clients (FdsApi:Tls is {TlsMode}, not required): their tokens and logonConnection credentials cross the network unencrypted")]
    public static partial void ClearTextBeyondLoopback(this ILogger logger, string address, string tlsMode);

    [LoggerMessage(2023, LogLevel.Information, "fdsapi TLS {TlsMode}: TLS 1.2 and 1.3 with certificate {CertificatePath} ({Subject}, valid until {NotAfter:u})")]
    public static partial void TlsEnabled(this ILogger logger, string tlsMode, string certificatePath, string? subject, DateTime? notAfter);

    [LoggerMessage(2024, LogLevel.Information, "fdsapi TLS off: TLS clients are refused")]
    public static partial void TlsOff(this ILogger logger);

    [LoggerMessage(2025, LogLevel.Warning, "Closed fdsapi client {Client}: TLS handshake failed: {Reason}")]
    public static partial void TlsHandshakeFailed(this ILogger logger, EndPoint? client, string reason);

    [LoggerMessage(2026, LogLevel.Debug, "fdsapi client {Client} speaks {TlsProtocol} ({CipherSuite})")]
    public static partial void TlsClient(this ILogger logger, EndPoint? client, string tlsProtocol, string cipherSuite);

    [LoggerMessage(2027, LogLevel.Warning, "Closed fdsapi client {Client}: no room for its message of {MessageBytes} bytes within FdsApi:MaxBufferedBytes ({MaxBufferedBytes}) in FdsApi:FrameTimeout")]
    public static partial void BufferBudgetExhausted(this ILogger logger, EndPoint? client, long messageBytes, long maxBufferedBytes);

    [LoggerMessage(2028, LogLevel.Information, "Closed fdsapi client {Client}: it presented no valid token and sent nothing for FdsApi:UnauthenticatedIdleTimeout ({TimeoutMs} ms)")]
    public static partial void UnauthenticatedIdle(this ILogger logger, EndPoint? client, double timeoutMs);
}
