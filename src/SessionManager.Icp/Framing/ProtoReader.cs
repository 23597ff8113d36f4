using Google.Protobuf;
using SessionManager.Icp.Errors;

namespace SessionManager.Icp.Framing;

/// <summary>
/// Lenient payload parsing. Google.Protobuf's <c>ParseFrom</c> rejects a proto2 message that
/// lacks a required field, but ICP.md asks the opposite on receipt: FreeRDS-era peers omit
/// fields ogon made required, and a missing field must simply take its default.
/// <c>MergeFrom</c> does not check required fields.
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
