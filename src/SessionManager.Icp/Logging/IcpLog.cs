using Microsoft.Extensions.Logging;
using SessionManager.Icp.Connection;

namespace SessionManager.Icp.Logging;

/// <summary>
/// Log events of the ICP engine (ids 1000-1099). Event names and property names are what
/// operators query on: treat them as API.
/// </summary>
internal static partial class IcpLog
{
    [LoggerMessage(1001, LogLevel.Information, "Listening for the RDS server on {SocketPath} (mode {SocketMode})")]
    public static partial void Listening(this ILogger logger, string socketPath, string socketMode);

    [LoggerMessage(1002, LogLevel.Warning, "Replaced stale socket file {SocketPath}")]
    public static partial void StaleSocketReplaced(this ILogger logger, string socketPath);

    [LoggerMessage(1003, LogLevel.Information, "RDS server connected ({Peer}), link generation {LinkGeneration}")]
    public static partial void RdsConnected(this ILogger logger, PeerCredentials peer, long linkGeneration);

    [LoggerMessage(1004, LogLevel.Warning, "Rejected a second ICP connection from {Peer}: the RDS server {LivePeer} is connected and only one is served")]
    public static partial void SecondConnectionRejected(this ILogger logger, PeerCredentials peer, PeerCredentials livePeer);

    [LoggerMessage(1005, LogLevel.Warning, "RDS server {Peer} disconnected: {Reason}; {PendingFailed} pending calls failed")]
    public static partial void RdsDisconnected(this ILogger logger, PeerCredentials peer, string reason, int pendingFailed);

    [LoggerMessage(1006, LogLevel.Information, "ICP handshake with {Peer}: peer speaks {PeerVersionMajor}.{PeerVersionMinor}, we answer 1.1")]
    public static partial void HandshakeCompleted(this ILogger logger, PeerCredentials peer, uint peerVersionMajor, uint peerVersionMinor);

    [LoggerMessage(1007, LogLevel.Information, "RDS server {Peer} sent no version handshake: serving it in legacy (FreeRDS, protocol 1.0) mode")]
    public static partial void LegacyPeer(this ILogger logger, PeerCredentials peer);

    [LoggerMessage(1008, LogLevel.Error, "RDS server {Peer} speaks ICP {PeerVersionMajor}.{PeerVersionMinor}, newer than our 1.1: answered, closing")]
    public static partial void PeerVersionTooNew(this ILogger logger, PeerCredentials peer, uint peerVersionMajor, uint peerVersionMinor);

    [LoggerMessage(1009, LogLevel.Error, "Closing ICP connection from {Peer}: protocol error {ProtocolError} (frame length {FrameLength}): {Detail}")]
    public static partial void ProtocolError(this ILogger logger, PeerCredentials peer, string protocolError, uint frameLength, string detail);

    [LoggerMessage(1010, LogLevel.Information, "Dropped ICP response with unknown tag {Tag} (msgType {MsgType} {MsgTypeName}): late or never requested")]
    public static partial void UnknownTagResponse(this ILogger logger, uint tag, uint msgType, string msgTypeName);

    [LoggerMessage(1011, LogLevel.Information, "No handler for RDS request {MsgType} ({MsgTypeName}), tag {Tag}: answered NOTFOUND")]
    public static partial void NoHandler(this ILogger logger, uint tag, uint msgType, string msgTypeName);

    [LoggerMessage(1012, LogLevel.Error, "Handler for RDS request {MsgType} ({MsgTypeName}), tag {Tag}, failed: answered FAILED")]
    public static partial void HandlerFailed(this ILogger logger, Exception exception, uint tag, uint msgType, string msgTypeName);

    [LoggerMessage(1013, LogLevel.Debug, "ICP {MsgTypeName} tag {Tag} answered {Status} in {ElapsedMs} ms")]
    public static partial void CallAnswered(this ILogger logger, string msgTypeName, uint tag, string status, double elapsedMs);

    [LoggerMessage(1014, LogLevel.Warning, "ICP {MsgTypeName} tag {Tag} timed out after {ElapsedMs} ms")]
    public static partial void CallTimedOut(this ILogger logger, string msgTypeName, uint tag, double elapsedMs);

    [LoggerMessage(1015, LogLevel.Error, "RDS server {Peer} has not taken our frames for {ElapsedMs} ms: closing the connection")]
    public static partial void PeerStoppedReading(this ILogger logger, PeerCredentials peer, double elapsedMs);

    [LoggerMessage(1016, LogLevel.Information, "Removed socket file {SocketPath}")]
    public static partial void SocketRemoved(this ILogger logger, string socketPath);

    [LoggerMessage(1017, LogLevel.Error, "ICP accept loop failed")]
    public static partial void AcceptFailed(this ILogger logger, Exception exception);

    [LoggerMessage(1018, LogLevel.Debug, "RDS request {MsgTypeName} tag {Tag} answered {Status}")]
    public static partial void RequestAnswered(this ILogger logger, string msgTypeName, uint tag, string status);

    [LoggerMessage(1019, LogLevel.Warning, "Could not remove socket file {SocketPath}")]
    public static partial void SocketRemoveFailed(this ILogger logger, Exception exception, string socketPath);

    [LoggerMessage(1020, LogLevel.Warning, "{MaxConcurrentRequests} RDS requests are being handled: not reading {MsgTypeName} tag {Tag} and what follows until one finishes (Icp:MaxConcurrentRequests)")]
    public static partial void RequestBackpressure(this ILogger logger, int maxConcurrentRequests, string msgTypeName, uint tag);

    [LoggerMessage(1021, LogLevel.Error, "Answer to RDS request {MsgTypeName} tag {Tag} could not be sent ({Detail}): answered FAILED")]
    public static partial void ResponseTooLarge(this ILogger logger, string msgTypeName, uint tag, string detail);

    [LoggerMessage(1022, LogLevel.Warning, "Refused ICP connection from {Peer}: uid {Uid} is not in Icp:AllowedUids")]
    public static partial void PeerUidRefused(this ILogger logger, PeerCredentials peer, uint uid);

    [LoggerMessage(1023, LogLevel.Warning, "Icp:AllowedUids is empty: any local user may connect as the RDS server")]
    public static partial void AnyUidAllowed(this ILogger logger);

    [LoggerMessage(1024, LogLevel.Information, "RDS link generation {LinkGeneration} ended ({Peer}): {Reason}")]
    public static partial void RdsLinkDetached(this ILogger logger, long linkGeneration, PeerCredentials peer, string reason);

    [LoggerMessage(1025, LogLevel.Error, "A subscriber to RDS link events failed on {EventKind} of generation {LinkGeneration}")]
    public static partial void LinkSubscriberFailed(this ILogger logger, Exception exception, string eventKind, long linkGeneration);

    [LoggerMessage(1026, LogLevel.Error, "Serving a new ICP connection failed; it was closed")]
    public static partial void AcceptCallbackFailed(this ILogger logger, Exception exception);

    [LoggerMessage(1027, LogLevel.Information, "ICP connection from {Peer} replaced the previous one, whose peer had already left")]
    public static partial void StaleConnectionReplaced(this ILogger logger, PeerCredentials peer);

    [LoggerMessage(1028, LogLevel.Debug, "RDS request {MsgTypeName} tag {Tag} not answered: the connection ended")]
    public static partial void RequestUnanswered(this ILogger logger, Exception exception, string msgTypeName, uint tag);

    [LoggerMessage(1030, LogLevel.Warning, "RDS request {MsgType} ({MsgTypeName}), tag {Tag}, does not parse ({Detail}): answered FAILED")]
    public static partial void UnreadableRequest(this ILogger logger, uint tag, uint msgType, string msgTypeName, string detail);

    [LoggerMessage(1031, LogLevel.Warning, "SM->RDS call {MsgTypeName} for session {SessionId} refused: {Reason}")]
    public static partial void PendingCallRefused(this ILogger logger, string msgTypeName, int? sessionId, string reason);

    [LoggerMessage(1032, LogLevel.Warning, "Heartbeat Ping to the RDS server {Peer} not sent: {Reason}")]
    public static partial void HeartbeatNotSent(this ILogger logger, PeerCredentials peer, string reason);
}
