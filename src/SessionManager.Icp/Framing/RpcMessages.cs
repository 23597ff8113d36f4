using Google.Protobuf;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Framing;

/// <summary>
/// Builds RPCBase envelopes. proto2 presence: every required field is assigned explicitly, even
/// when it holds its default, because protobuf-c peers reject a message that lacks one.
/// </summary>
public static class RpcMessages
{
    public static RPCBase Request(uint tag, uint msgType, IMessage payload) => new()
    {
        Tag = tag,
        IsResponse = false,
        Status = RPCStatus.Success,
        MsgType = msgType,
        Payload = Serialize(payload),
    };

    public static RPCBase Success(uint tag, uint msgType, IMessage payload) => new()
    {
        Tag = tag,
        IsResponse = true,
        Status = RPCStatus.Success,
        MsgType = msgType,
        Payload = Serialize(payload),
    };

    public static RPCBase Failure(uint tag, uint msgType, RPCStatus status, string? errorDescription)
    {
        var response = new RPCBase
        {
            Tag = tag,
            IsResponse = true,
            Status = status,
            MsgType = msgType,
        };
        if (errorDescription is not null)
        {
            response.ErrorDescription = errorDescription;
        }

        return response;
    }

    /// <summary>
    /// Serializes into an exactly sized array and wraps it without a copy: unlike
    /// <c>ToByteString()</c>, no throwaway output stream per message. The array is never written
    /// again, so wrapping it is safe.
    /// </summary>
    private static ByteString Serialize(IMessage payload)
    {
        var bytes = new byte[payload.CalculateSize()];
        payload.WriteTo(bytes);
        return UnsafeByteOperations.UnsafeWrap(bytes);
    }

    /// <summary>The handshake answer: our version and no payload (ICP.md "Handshake").</summary>
    public static RPCBase HandshakeAnswer(uint tag) => new()
    {
        Tag = tag,
        IsResponse = true,
        Status = RPCStatus.Success,
        MsgType = IcpMessageTypes.Handshake,
        VersionInfo = new VersionInfo { Vmajor = IcpMessageTypes.VersionMajor, Vminor = IcpMessageTypes.VersionMinor },
    };
}
