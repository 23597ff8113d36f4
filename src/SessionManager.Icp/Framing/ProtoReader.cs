using Google.Protobuf;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Framing;

/// <summary>
/// Lenient payload parsing, as ICP.md asks on receipt: FreeRDS-era peers omit fields that ogon
/// made required, and a missing field simply takes its default. <c>MergeFrom</c> into a fresh
/// message never checks required fields, whatever the protobuf runtime's parser policy is.
/// </summary>
public static class ProtoReader
{
    /// <exception cref="IcpBadResponseException">the payload is not a <typeparamref name="T"/>.</exception>
    public static T Parse<T>(ByteString? payload, string messageName)
        where T : IMessage<T>, new() =>
        TryParse<T>(payload, out var message, out var error) ? message : throw new IcpBadResponseException(messageName, error);

    /// <summary>As above; the name is only formatted when parsing fails (this runs on every call).</summary>
    public static T Parse<T>(ByteString? payload, MsgType msgType)
        where T : IMessage<T>, new() =>
        TryParse<T>(payload, out var message, out var error) ? message : throw new IcpBadResponseException(msgType.ToString(), error);

    /// <summary>An RDS→SM request's payload.</summary>
    /// <exception cref="IcpBadRequestException">the payload is not a <typeparamref name="T"/>.</exception>
    public static T ParseRequest<T>(ByteString? payload, uint msgType)
        where T : IMessage<T>, new() =>
        TryParse<T>(payload, out var message, out var error) ? message : throw new IcpBadRequestException(IcpMessageTypes.NameOf(msgType), error);

    private static bool TryParse<T>(ByteString? payload, out T message, out InvalidProtocolBufferException error)
        where T : IMessage<T>, new()
    {
        message = new T();
        error = null!;
        try
        {
            if (payload is not null)
            {
                message.MergeFrom(payload);
            }

            return true;
        }
        catch (InvalidProtocolBufferException ex)
        {
            error = ex;
            return false;
        }
    }
}
