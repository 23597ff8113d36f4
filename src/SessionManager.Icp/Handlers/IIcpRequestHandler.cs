using Google.Protobuf;

namespace SessionManager.Icp.Handlers;

/// <summary>
/// Answers one RDS→SM request type. Registered in DI; the dispatcher answers NOTFOUND for any
/// msgType without a handler. Throwing answers FAILED with the exception message.
/// </summary>
public interface IIcpRequestHandler
{
    uint MsgType { get; }

    ValueTask<IMessage> HandleAsync(ByteString payload, CancellationToken cancellationToken);
}
