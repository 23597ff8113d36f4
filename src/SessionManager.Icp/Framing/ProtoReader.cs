using Google.Protobuf;
using SessionManager.Icp.Errors;

namespace SessionManager.Icp.Framing;

/// <summary>
/// Lenient payload parsing, as ICP.md asks on receipt: FreeRDS-era peers omit fields that ogon
/// made required, and a missing field simply takes its default. <c>MergeFrom</c> into a fresh
/// message never checks required fields, whatever the protobuf runtime's parser policy is.
/// </summary>
public static class ProtoReader
{
    public static T Parse<T>(ByteString? payload, string messageName)
        where T : IMessage<T>, new()
    {
        var message = new T();
        try
        {
            if (payload is not null)
            {
                message.MergeFrom(payload);
            }
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new IcpBadResponseException(messageName, ex);
        }

        return message;
    }
}
