using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using SessionManager.Icp;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;
using static SessionManager.UnitTests.Support.Bytes;

namespace SessionManager.UnitTests;

/// <summary>IcpFrameCodec: a big-endian uint32 length, then exactly that many bytes of RPCBase.</summary>
public class FramingTests
{
    private const int Limit = 1024;

    private static RPCBase SampleRequest(uint tag = 42) =>
        RpcMessages.Request(tag, (uint)MsgType.VirtualChannelOpen, new VirtualChannelOpenRequest
        {
            ConnectionId = 3,
            VirtualName = "rdpsnd",
            DynamicChannel = false,
            Flags = 0,
        });

    [Fact]
    public void Written_frame_reads_back_as_the_same_message()
    {
        var original = SampleRequest();
        var bytes = Frame(original);

        Assert.Equal((uint)(bytes.Length - IcpFrameCodec.HeaderSize), BinaryPrimitives.ReadUInt32BigEndian(bytes));

        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(IcpFrameCodec.TryReadFrame(ref buffer, Limit, out var body));
        Assert.True(buffer.IsEmpty);
        Assert.Equal(bytes.Length - IcpFrameCodec.HeaderSize, body.Length);
        Assert.Equal(original, IcpFrameCodec.ParseBody(body));
    }

    [Fact]
    public void Header_split_across_three_segments_is_read()
    {
        var original = SampleRequest(tag: 7);
        var bytes = Frame(original);
        var buffer = Segmented(bytes, 1, 3, 6);
        Assert.False(buffer.IsSingleSegment);

        Assert.True(IcpFrameCodec.TryReadFrame(ref buffer, Limit, out var body));

        Assert.True(buffer.IsEmpty);
        Assert.Equal(original, IcpFrameCodec.ParseBody(body));
    }

    [Fact]
    public void Incomplete_header_returns_false_and_consumes_nothing()
    {
        var bytes = Frame(SampleRequest());
        var buffer = Segmented(bytes[..3], 1);
        var before = buffer;

        Assert.False(IcpFrameCodec.TryReadFrame(ref buffer, Limit, out _));

        Assert.Equal(before.Start, buffer.Start);
        Assert.Equal(3, buffer.Length);
    }

    [Fact]
    public void Incomplete_body_returns_false_and_consumes_nothing()
    {
        var bytes = Frame(SampleRequest());
        var buffer = new ReadOnlySequence<byte>(bytes, 0, bytes.Length - 1);
        var before = buffer;

        Assert.False(IcpFrameCodec.TryReadFrame(ref buffer, Limit, out _));

        Assert.Equal(before.Start, buffer.Start);
        Assert.Equal(bytes.Length - 1, buffer.Length);
    }

    [Fact]
    public void Two_frames_in_one_buffer_are_read_one_after_the_other()
    {
        var first = SampleRequest(tag: 1);
        var second = RpcMessages.Success(2, (uint)MsgType.Ping, new PingResponse { Pong = true });
        var buffer = new ReadOnlySequence<byte>([.. Frame(first), .. Frame(second)]);

        Assert.True(IcpFrameCodec.TryReadFrame(ref buffer, Limit, out var body1));
        Assert.Equal(first, IcpFrameCodec.ParseBody(body1));
        Assert.True(IcpFrameCodec.TryReadFrame(ref buffer, Limit, out var body2));
        Assert.Equal(second, IcpFrameCodec.ParseBody(body2));
        Assert.True(buffer.IsEmpty);
        Assert.False(IcpFrameCodec.TryReadFrame(ref buffer, Limit, out _));
    }

    [Fact]
    public void Frame_longer_than_limit_is_rejected_before_its_body_arrives()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("00 00 04 01")); // 1025 announced, nothing more

        var ex = Assert.Throws<IcpProtocolException>(() => IcpFrameCodec.TryReadFrame(ref buffer, Limit, out _));

        Assert.Equal(IcpProtocolError.FrameTooLarge, ex.Error);
        Assert.Equal(1025u, ex.Length);
    }

    [Fact]
    public void Frame_of_exactly_the_limit_is_waited_for_not_rejected()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("00 00 04 00")); // 1024 announced

        Assert.False(IcpFrameCodec.TryReadFrame(ref buffer, Limit, out _));
        Assert.Equal(4, buffer.Length);
    }

    [Fact]
    public void Length_with_the_top_bit_set_is_rejected_even_under_the_largest_limit()
    {
        // A strict Thrift binary client talking to the ICP socket by mistake starts with 0x80010001.
        var buffer = new ReadOnlySequence<byte>(Hex("80 01 00 01"));

        var ex = Assert.Throws<IcpProtocolException>(() => IcpFrameCodec.TryReadFrame(ref buffer, int.MaxValue, out _));

        Assert.Equal(IcpProtocolError.FrameTooLarge, ex.Error);
        Assert.Equal(0x80010001u, ex.Length);
    }

    [Fact]
    public void Empty_frame_is_a_frame_with_an_empty_body()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("00 00 00 00"));

        Assert.True(IcpFrameCodec.TryReadFrame(ref buffer, Limit, out var body));

        Assert.True(body.IsEmpty);
        Assert.True(buffer.IsEmpty);
    }

    [Theory]
    [InlineData("FF")]            // a varint tag cut short
    [InlineData("08 FF")]         // tag field, varint cut short
    [InlineData("2A 05 01 02")]   // payload announces 5 bytes, has 2
    [InlineData("00")]            // field number 0 is invalid
    [InlineData("0F")]            // wire type 7 does not exist
    public void Garbage_body_is_a_malformed_frame(string hex)
    {
        var body = new ReadOnlySequence<byte>(Hex(hex));

        var ex = Assert.Throws<IcpProtocolException>(() => IcpFrameCodec.ParseBody(body));

        Assert.Equal(IcpProtocolError.MalformedFrame, ex.Error);
        Assert.IsType<InvalidProtocolBufferException>(ex.InnerException);
    }

    [Fact]
    public void Frame_written_into_a_segmented_writer_has_header_and_body_in_order()
    {
        // The handshake answer is the frame the ogon RDS server waits for with a 2 s deadline.
        var writer = new ArrayBufferWriter<byte>(1);
        IcpFrameCodec.WriteFrame(writer, RpcMessages.HandshakeAnswer(9));

        var buffer = new ReadOnlySequence<byte>(writer.WrittenMemory);
        Assert.True(IcpFrameCodec.TryReadFrame(ref buffer, Limit, out var body));
        var parsed = IcpFrameCodec.ParseBody(body);
        Assert.Equal(IcpMessageTypes.Handshake, parsed.MsgType);
        Assert.Equal(9u, parsed.Tag);
    }
}
