using System.Buffers;
using Google.Protobuf;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;
using static SessionManager.UnitTests.Support.Bytes;

namespace SessionManager.UnitTests;

/// <summary>
/// ICP.md "Encoding rules": proto2 required fields always on the wire when sending (protobuf-c
/// rejects a message without one); missing fields take their defaults on receipt.
/// Field keys: 08 tag, 10 isResponse, 18 status, 20 msgType, 2A payload, 32 errorDescription, 3A versionInfo.
/// </summary>
public class EnvelopeEncodingTests
{
    [Fact]
    public void Request_carries_every_required_field_even_when_it_holds_its_default()
    {
        var bytes = Serialize(RpcMessages.Request(0, (uint)MsgType.Ping, new PingRequest()));

        // tag 0, isResponse false, status SUCCESS, msgType 2, empty payload.
        Assert.Equal("0800" + "1000" + "1800" + "2002" + "2A00", ToHex(bytes));
    }

    [Fact]
    public void Ping_request_carries_an_empty_payload_field()
    {
        var request = RpcMessages.Request(5, (uint)MsgType.Ping, new PingRequest());

        Assert.True(request.HasPayload);
        Assert.Contains("2A00", ToHex(Serialize(request)), StringComparison.Ordinal);
    }

    [Fact]
    public void Success_response_carries_every_required_field_and_a_payload_with_its_defaults()
    {
        var bytes = Serialize(RpcMessages.Success(7, (uint)MsgType.Ping, new PingResponse { Pong = false }));

        // isResponse true, status SUCCESS, payload = PingResponse { pong = false } = 08 00.
        Assert.Equal("0807" + "1001" + "1800" + "2002" + "2A020800", ToHex(bytes));
    }

    [Fact]
    public void Notfound_response_has_status_and_no_payload_or_description()
    {
        var bytes = Serialize(RpcMessages.Failure(7, 3, RPCStatus.Notfound, null));

        Assert.Equal("0807" + "1001" + "1802" + "2003", ToHex(bytes));
    }

    [Fact]
    public void Failed_response_carries_its_error_description()
    {
        var bytes = Serialize(RpcMessages.Failure(7, 1, RPCStatus.Failed, "no"));

        Assert.Equal("0807" + "1001" + "1801" + "2001" + "3202" + "6E6F", ToHex(bytes));
    }

    [Fact]
    public void Handshake_answer_is_version_1_1_with_the_same_tag_and_no_payload()
    {
        var answer = RpcMessages.HandshakeAnswer(9);
        var bytes = Serialize(answer);

        // msgType 0xFFFFFFFF as a varint is FF FF FF FF 0F; versionInfo { vmajor 1, vminor 1 }.
        Assert.Equal("0809" + "1001" + "1800" + "20FFFFFFFF0F" + "3A0408011001", ToHex(bytes));
        Assert.False(answer.HasPayload);
    }

    [Fact]
    public void Envelope_missing_required_fields_parses_with_defaults()
    {
        // Only tag 5 and msgType 2: isResponse and status are absent.
        var body = new ReadOnlySequence<byte>(Hex("08 05 20 02"));

        var message = IcpFrameCodec.ParseBody(body);

        Assert.Equal(5u, message.Tag);
        Assert.Equal(2u, message.MsgType);
        Assert.False(message.HasIsResponse);
        Assert.False(message.IsResponse);
        Assert.False(message.HasStatus);
        Assert.Equal(RPCStatus.Success, message.Status);
        Assert.False(message.HasPayload);
    }

    [Fact]
    public void Envelope_with_unknown_fields_parses_and_ignores_them()
    {
        // tag 5, msgType 2, then field 15 (varint 1) that no version of ICP defines.
        var message = IcpFrameCodec.ParseBody(new ReadOnlySequence<byte>(Hex("08 05 20 02 78 01")));

        Assert.Equal(5u, message.Tag);
        Assert.Equal(2u, message.MsgType);
    }

    [Fact]
    public void Payload_missing_required_fields_parses_with_defaults()
    {
        // A FreeRDS-era VirtualChannelOpen response: connectionString only, no instance.
        var payload = ByteString.CopyFrom(Hex("0A 03 61 62 63"));

        var response = ProtoReader.Parse<VirtualChannelOpenResponse>(payload, "VirtualChannelOpen");

        Assert.False(response.IsInitialized()); // a required field really is missing
        Assert.Equal("abc", response.ConnectionString);
        Assert.False(response.HasInstance);
        Assert.Equal(0u, response.Instance);
    }

    [Fact]
    public void Missing_payload_parses_as_an_empty_message()
    {
        var response = ProtoReader.Parse<PingResponse>(null, "Ping");

        Assert.False(response.HasPong);
        Assert.False(response.Pong);
    }

    [Fact]
    public void Unreadable_payload_is_a_bad_response_naming_the_message()
    {
        var payload = ByteString.CopyFrom(Hex("0A 09 61"));

        var ex = Assert.Throws<IcpBadResponseException>(() => ProtoReader.Parse<VirtualChannelOpenResponse>(payload, "VirtualChannelOpen"));

        Assert.StartsWith("RDS server sent an unreadable VirtualChannelOpen response: ", ex.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidProtocolBufferException>(ex.InnerException);
    }
}
