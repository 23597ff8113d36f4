using SessionManager.FdsApi.Logging;
using SessionManager.Icp.Link;
using Microsoft.Extensions.Logging.Abstractions;
using SessionManager.FdsApi.Generated;
using SessionManager.FdsApi.Handler;
using SessionManager.FdsApi.Server;
using SessionManager.Icp;
using Thrift;
using Thrift.Protocol;
using Thrift.Protocol.Entities;
using Thrift.Transport.Client;

namespace SessionManager.UnitTests;

/// <summary>
/// The generated processor answers every handler failure with " Internal error."; the decorator
/// replaces it with the cause the handler recorded (FDSAPI.md "Errors"). All in memory.
/// </summary>
public class CauseRevealingProtocolTests
{
    private const string GenericMessage = " Internal error.";

    private static TApplicationException Generic() => new(TApplicationException.ExceptionType.InternalError, GenericMessage);

    /// <summary>Writes one message the way the generated process functions do.</summary>
    private static async Task WriteMessageAsync(TProtocol output, TMessage message, Func<TProtocol, Task> body)
    {
        await output.WriteMessageBeginAsync(message, CancellationToken.None);
        await body(output);
        await output.WriteMessageEndAsync(CancellationToken.None);
        await output.Transport.FlushAsync(CancellationToken.None);
    }

    private static async Task<byte[]> WriteThroughAsync(CallFailureSlot? slot, TMessage message, Func<TProtocol, Task> body)
    {
        using var transport = new TMemoryBufferTransport(new TConfiguration());
        using var binary = new TBinaryProtocol(transport);
        TProtocol output = slot is null ? binary : new CauseRevealingProtocol(binary, slot);
        await WriteMessageAsync(output, message, body);
        return transport.GetBuffer();
    }

    private static async Task<(TMessage Message, TApplicationException Exception)> ReadExceptionAsync(byte[] bytes)
    {
        using var transport = new TMemoryBufferTransport(bytes, new TConfiguration());
        using var input = new TBinaryProtocol(transport);
        var message = await input.ReadMessageBeginAsync(CancellationToken.None);
        var exception = await TApplicationException.ReadAsync(input, CancellationToken.None);
        await input.ReadMessageEndAsync(CancellationToken.None);
        return (message, exception);
    }

    [Fact]
    public async Task Recorded_failure_replaces_the_generic_internal_error()
    {
        var slot = new CallFailureSlot();
        slot.Set(new TApplicationException(TApplicationException.ExceptionType.InternalError, "ICP VirtualChannelOpen timed out after 10 s"));

        var bytes = await WriteThroughAsync(slot, new TMessage("virtualChannelOpen", TMessageType.Exception, 17),
            output => Generic().WriteAsync(output, CancellationToken.None));
        var (message, exception) = await ReadExceptionAsync(bytes);

        Assert.Equal(TMessageType.Exception, message.Type);
        Assert.Equal("virtualChannelOpen", message.Name);
        Assert.Equal(17, message.SeqID);
        Assert.Equal(TApplicationException.ExceptionType.InternalError, exception.Type);
        Assert.Equal("ICP VirtualChannelOpen timed out after 10 s", exception.Message);
        Assert.Null(slot.Take());
    }

    [Fact]
    public async Task Recorded_failure_keeps_its_own_exception_type()
    {
        var slot = new CallFailureSlot();
        slot.Set(new TApplicationException(TApplicationException.ExceptionType.UnknownMethod, "no such thing"));

        var bytes = await WriteThroughAsync(slot, new TMessage("ping", TMessageType.Exception, 1),
            output => Generic().WriteAsync(output, CancellationToken.None));
        var (_, exception) = await ReadExceptionAsync(bytes);

        Assert.Equal(TApplicationException.ExceptionType.UnknownMethod, exception.Type);
        Assert.Equal("no such thing", exception.Message);
    }

    [Fact]
    public async Task Exception_without_a_recorded_failure_passes_through_unchanged()
    {
        var message = new TMessage("virtualChannelOpen", TMessageType.Exception, 3);
        Func<TProtocol, Task> body = output => Generic().WriteAsync(output, CancellationToken.None);

        var plain = await WriteThroughAsync(null, message, body);
        var decorated = await WriteThroughAsync(new CallFailureSlot(), message, body);

        Assert.Equal(plain, decorated);
        Assert.Equal(GenericMessage, (await ReadExceptionAsync(decorated)).Exception.Message);
    }

    [Fact]
    public async Task Reply_passes_through_unchanged_even_with_a_failure_recorded()
    {
        var slot = new CallFailureSlot();
        slot.Set(new TApplicationException(TApplicationException.ExceptionType.InternalError, "stale"));
        var message = new TMessage("virtualChannelOpen", TMessageType.Reply, 4);
        var reply = new TReturnVirtualChannelOpen { PipeName = "pipe", Instance = 2 };
        Func<TProtocol, Task> body = output => reply.WriteAsync(output, CancellationToken.None);

        var plain = await WriteThroughAsync(null, message, body);
        var decorated = await WriteThroughAsync(slot, message, body);

        Assert.Equal(plain, decorated);
        Assert.Null(slot.Take()); // consumed: it cannot describe a later exception
    }

    [Fact]
    public async Task A_failure_recorded_before_a_reply_does_not_leak_into_the_next_exception()
    {
        var slot = new CallFailureSlot();
        slot.Set(new TApplicationException(TApplicationException.ExceptionType.InternalError, "stale"));
        using var transport = new TMemoryBufferTransport(new TConfiguration());
        using var binary = new TBinaryProtocol(transport);
        var output = new CauseRevealingProtocol(binary, slot);
        var reply = new TReturnVirtualChannelOpen { PipeName = "pipe", Instance = 2 };

        await WriteMessageAsync(output, new TMessage("virtualChannelOpen", TMessageType.Reply, 1), o => reply.WriteAsync(o, CancellationToken.None));
        int replyLength = transport.GetBuffer().Length;
        await WriteMessageAsync(output, new TMessage("nosuch", TMessageType.Exception, 2), o => Generic().WriteAsync(o, CancellationToken.None));

        var (_, exception) = await ReadExceptionAsync(transport.GetBuffer()[replyLength..]);
        Assert.Equal(GenericMessage, exception.Message);
    }

    [Fact]
    public async Task Message_after_a_revealed_failure_is_written_normally()
    {
        var slot = new CallFailureSlot();
        slot.Set(new TApplicationException(TApplicationException.ExceptionType.InternalError, "RDS server not connected"));
        using var transport = new TMemoryBufferTransport(new TConfiguration());
        using var binary = new TBinaryProtocol(transport);
        var output = new CauseRevealingProtocol(binary, slot);
        var reply = new TReturnVirtualChannelOpen { PipeName = "pipe", Instance = 2 };

        await WriteMessageAsync(output, new TMessage("virtualChannelOpen", TMessageType.Exception, 1), o => Generic().WriteAsync(o, CancellationToken.None));
        await WriteMessageAsync(output, new TMessage("virtualChannelOpen", TMessageType.Reply, 2), o => reply.WriteAsync(o, CancellationToken.None));

        var replyOnly = await WriteThroughAsync(null, new TMessage("virtualChannelOpen", TMessageType.Reply, 2), o => reply.WriteAsync(o, CancellationToken.None));
        var all = transport.GetBuffer();
        Assert.Equal(replyOnly, all[^replyOnly.Length..]);
        Assert.Equal("RDS server not connected", (await ReadExceptionAsync(all)).Exception.Message);
    }

    /// <summary>
    /// The whole path of one call: the generated client writes the request, the generated
    /// processor runs the real handler (no RDS server connected) and writes through the
    /// decorator, the generated client reads the answer.
    /// </summary>
    private static async Task<T> CallAsync<T>(Func<fdsapi.Client, Task> send, Func<fdsapi.Client, Task<T>> receive, bool reveal = true)
    {
        var config = new TConfiguration();
        using var requestBuffer = new TMemoryBufferTransport(config);
        using (var writer = new fdsapi.Client(new TBinaryProtocol(requestBuffer)))
        {
            await send(writer);
        }

        var slot = new CallFailureSlot();
        var deps = new FdsApiDependencies(new RdsClient(new RdsLink(NullLogger<RdsLink>.Instance)), new IdentitySessionRouting(), new AllowAllCallGate(), new InFlightCalls(), new FdsApiLogLimits(NullLogger<FdsApiLogLimits>.Instance, TimeProvider.System), NullLogger<FdsApiHandler>.Instance);
        var processor = new fdsapi.AsyncProcessor(new FdsApiHandler(deps, slot), NullLogger<fdsapi.AsyncProcessor>.Instance);
        using var requestIn = new TMemoryBufferTransport(requestBuffer.GetBuffer(), config);
        using var responseBuffer = new TMemoryBufferTransport(config);
        using var wire = new TBinaryProtocol(responseBuffer);
        TProtocol output = reveal ? new CauseRevealingProtocol(wire, slot) : wire;
        Assert.True(await processor.ProcessAsync(new TBinaryProtocol(requestIn), output, CancellationToken.None));

        using var responseIn = new TMemoryBufferTransport(responseBuffer.GetBuffer(), config);
        using var reader = new fdsapi.Client(new TBinaryProtocol(responseIn));
        return await receive(reader);
    }

    [Fact]
    public async Task Channel_open_without_an_rds_server_reveals_not_connected()
    {
        var ex = await Assert.ThrowsAsync<TApplicationException>(() => CallAsync(
            c => c.send_virtualChannelOpen("token", 1, "cliprdr", false, 0),
            c => c.recv_virtualChannelOpen()));

        Assert.Equal(TApplicationException.ExceptionType.InternalError, ex.Type);
        Assert.Equal("RDS server not connected", ex.Message);
    }

    [Fact]
    public async Task Without_the_decorator_the_client_would_see_only_the_generic_error()
    {
        var ex = await Assert.ThrowsAsync<TApplicationException>(() => CallAsync(
            c => c.send_virtualChannelOpen("token", 1, "cliprdr", false, 0),
            c => c.recv_virtualChannelOpen(),
            reveal: false));

        Assert.Equal(GenericMessage, ex.Message);
    }

    [Fact]
    public async Task Logon_without_a_token_service_reveals_that_it_is_not_available()
    {
        var ex = await Assert.ThrowsAsync<TApplicationException>(() => CallAsync(
            c => c.send_logonConnection("alice", "secret", "EXAMPLE"),
            c => c.recv_logonConnection()));

        Assert.Equal(TApplicationException.ExceptionType.InternalError, ex.Type);
        Assert.Contains("logonConnection is not available: this daemon runs without a token service", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Successful_call_passes_through_the_decorator()
    {
        int answer = await CallAsync(c => c.send_ping(31337), c => c.recv_ping());

        Assert.Equal(31337, answer);
    }

    [Fact]
    public async Task Version_info_is_answered_locally_as_1_1()
    {
        var version = await CallAsync(c => c.send_getVersionInfo(new TVersion { VersionMajor = 1, VersionMinor = 0 }), c => c.recv_getVersionInfo());

        Assert.Equal(1, version.VersionMajor);
        Assert.Equal(1, version.VersionMinor);
    }
}
