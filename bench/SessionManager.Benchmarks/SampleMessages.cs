using System.Buffers;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;

namespace SessionManager.Benchmarks;

/// <summary>The VirtualChannelOpen exchange every benchmark uses: typical sizes, nothing exotic.</summary>
internal static class SampleMessages
{
    public const uint VirtualChannelOpen = (uint)MsgType.VirtualChannelOpen;

    public static VirtualChannelOpenRequest OpenRequest() => new()
    {
        ConnectionId = 1,
        VirtualName = "rdpsnd",
        DynamicChannel = false,
        Flags = 0,
    };

    public static VirtualChannelOpenResponse OpenResponse() => new()
    {
        ConnectionString = "/tmp/.pipe/ogon_1_rdpsnd",
        Instance = 1,
    };

    /// <summary>One whole frame (header and body) as the RDS server would send it.</summary>
    public static byte[] ResponseFrame(uint tag)
    {
        var writer = new ArrayBufferWriter<byte>();
        IcpFrameCodec.WriteFrame(writer, RpcMessages.Success(tag, VirtualChannelOpen, OpenResponse()));
        return writer.WrittenSpan.ToArray();
    }
}
