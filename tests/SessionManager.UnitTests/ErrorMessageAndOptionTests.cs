using SessionManager.Icp;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Protocol;

namespace SessionManager.UnitTests;

/// <summary>
/// The exception messages reach the Thrift client (FDSAPI.md "Errors"), so their wording is part
/// of the contract; and the socket mode is read as chmod would.
/// </summary>
public class ErrorMessageAndOptionTests
{
    [Theory]
    [InlineData("0660", 0b110_110_000)]
    [InlineData("660", 0b110_110_000)]
    [InlineData("0600", 0b110_000_000)]
    [InlineData("0666", 0b110_110_110)]
    [InlineData("0", 0)]
    public void Octal_socket_modes_are_accepted(string text, int expected)
    {
        Assert.True(IcpOptions.TryParseSocketMode(text, out var mode));
        Assert.Equal((UnixFileMode)expected, mode);
    }

    [Theory]
    [InlineData("999")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("07777x")]
    [InlineData("06600")]
    [InlineData("-660")]
    [InlineData(" 660")]
    public void Anything_but_up_to_four_octal_digits_is_rejected(string? text)
    {
        Assert.False(IcpOptions.TryParseSocketMode(text, out _));
    }

    [Fact]
    public void Default_socket_mode_is_owner_and_group_read_write()
    {
        var options = new IcpOptions();

        Assert.True(IcpOptions.TryParseSocketMode(options.SocketMode, out var mode));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, mode);
    }

    [Theory]
    [InlineData(10_000, "ICP VirtualChannelOpen timed out after 10 s")]
    [InlineData(1_000, "ICP VirtualChannelOpen timed out after 1 s")]
    [InlineData(200, "ICP VirtualChannelOpen timed out after 200 ms")]
    [InlineData(1_500, "ICP VirtualChannelOpen timed out after 1500 ms")]
    public void Timeout_message_names_the_call_and_the_time_waited(int milliseconds, string expected)
    {
        var timeout = TimeSpan.FromMilliseconds(milliseconds);

        var ex = new IcpTimeoutException("VirtualChannelOpen", timeout);

        Assert.Equal(expected, ex.Message);
        Assert.Equal(timeout, ex.Timeout);
    }

    [Fact]
    public void Failed_answer_message_carries_the_rds_servers_description()
    {
        var ex = new IcpRemoteFailureException("VirtualChannelOpen", RPCStatus.Failed, "no such channel");

        Assert.Equal("RDS server failed VirtualChannelOpen: no such channel", ex.Message);
        Assert.Equal(RPCStatus.Failed, ex.Status);
        Assert.Equal("no such channel", ex.ErrorDescription);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Failed_answer_without_description_says_so(string? description)
    {
        var ex = new IcpRemoteFailureException("VirtualChannelOpen", RPCStatus.Failed, description);

        Assert.Equal("RDS server failed VirtualChannelOpen: no reason given", ex.Message);
    }

    [Fact]
    public void Notfound_answer_message_says_notfound()
    {
        var ex = new IcpRemoteFailureException("VirtualChannelOpen", RPCStatus.Notfound, null);

        Assert.Contains("NOTFOUND", ex.Message, StringComparison.Ordinal);
        Assert.Contains("VirtualChannelOpen", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_connected_message_is_the_one_the_spec_quotes()
    {
        Assert.Equal("RDS server not connected", new IcpNotConnectedException().Message);
    }

    [Fact]
    public void Connection_lost_message_names_the_call_and_the_reason()
    {
        var reason = new EndOfStreamException("RDS server closed the connection");

        var ex = new IcpConnectionLostException("LogoffUserSession", reason);

        Assert.Equal("RDS connection lost during ICP LogoffUserSession: RDS server closed the connection", ex.Message);
        Assert.Same(reason, ex.InnerException);
        Assert.Equal("RDS connection lost during ICP Ping", new IcpConnectionLostException("Ping", null).Message);
    }

    [Theory]
    [InlineData(6u, "VirtualChannelOpen")]
    [InlineData(0xFFFFFFFFu, "Handshake")]
    [InlineData(3u, "3")]
    [InlineData(99u, "99")]
    [InlineData(0u, "0")]
    public void Message_type_names_for_logs(uint msgType, string expected)
    {
        Assert.Equal(expected, IcpMessageTypes.NameOf(msgType));
    }
}
