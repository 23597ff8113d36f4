using SessionManager.Icp.Connection;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;

namespace SessionManager.UnitTests;

/// <summary>The SM→RDS calls awaiting their answer, keyed by tag.</summary>
public class PendingCallTableTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private const uint VirtualChannelOpen = (uint)MsgType.VirtualChannelOpen;

    private static RPCBase AnswerTo(PendingCall call) =>
        RpcMessages.Success(call.Tag, call.MsgType, new VirtualChannelOpenResponse { ConnectionString = $"pipe{call.Tag}", Instance = 1 });

    [Fact]
    public void Tags_are_unique_and_increasing()
    {
        var table = new PendingCallTable();

        var tags = Enumerable.Range(0, 100).Select(_ => table.Register(VirtualChannelOpen).Tag).ToList();

        Assert.Equal(100, tags.Distinct().Count());
        Assert.True(tags.Zip(tags.Skip(1)).All(p => p.Second > p.First), string.Join(",", tags));
        Assert.Equal(100, table.Count);
    }

    [Fact]
    public async Task Registered_call_receives_the_response_with_its_tag()
    {
        var table = new PendingCallTable();
        var call = table.Register(VirtualChannelOpen);
        var response = AnswerTo(call);

        Assert.True(table.TryComplete(response, out var completed));

        Assert.Same(call, completed);
        Assert.Same(response, await call.Response.WaitAsync(Wait));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public async Task Each_call_receives_only_its_own_response()
    {
        var table = new PendingCallTable();
        var first = table.Register(VirtualChannelOpen);
        var second = table.Register(VirtualChannelOpen);

        Assert.True(table.TryComplete(AnswerTo(second), out _));
        Assert.False(first.Response.IsCompleted);
        Assert.True(table.TryComplete(AnswerTo(first), out _));

        Assert.Equal(first.Tag, (await first.Response.WaitAsync(Wait)).Tag);
        Assert.Equal(second.Tag, (await second.Response.WaitAsync(Wait)).Tag);
    }

    [Fact]
    public void Response_with_an_unknown_tag_is_not_matched()
    {
        var table = new PendingCallTable();
        var call = table.Register(VirtualChannelOpen);

        Assert.False(table.TryComplete(RpcMessages.Success(call.Tag + 1000, VirtualChannelOpen, new VirtualChannelOpenResponse()), out var matched));

        Assert.Null(matched);
        Assert.False(call.Response.IsCompleted);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Response_arriving_after_the_call_was_removed_is_not_matched()
    {
        var table = new PendingCallTable();
        var call = table.Register(VirtualChannelOpen);

        table.Remove(call);

        Assert.Equal(0, table.Count);
        Assert.False(table.TryComplete(AnswerTo(call), out _));
        Assert.False(call.Response.IsCompleted);
    }

    [Fact]
    public void Second_response_with_the_same_tag_is_not_matched()
    {
        var table = new PendingCallTable();
        var call = table.Register(VirtualChannelOpen);

        Assert.True(table.TryComplete(AnswerTo(call), out _));
        Assert.False(table.TryComplete(AnswerTo(call), out _));
    }

    [Fact]
    public async Task FailAll_fails_every_pending_call_naming_its_message_and_the_reason()
    {
        var table = new PendingCallTable();
        var open = table.Register(VirtualChannelOpen);
        var close = table.Register((uint)MsgType.VirtualChannelClose);
        var logoff = table.Register((uint)MsgType.LogoffUserSession);
        var reason = new IOException("peer reset the connection");

        int failed = table.FailAll(reason);

        Assert.Equal(3, failed);
        Assert.Equal(0, table.Count);
        foreach (var (call, name) in new[] { (open, "VirtualChannelOpen"), (close, "VirtualChannelClose"), (logoff, "LogoffUserSession") })
        {
            var ex = await Assert.ThrowsAsync<IcpConnectionLostException>(() => call.Response.WaitAsync(Wait));
            Assert.Equal($"RDS connection lost during ICP {name}: peer reset the connection", ex.Message);
            Assert.Same(reason, ex.InnerException);
        }
    }

    [Fact]
    public void After_FailAll_no_call_can_register()
    {
        var table = new PendingCallTable();
        Assert.Equal(0, table.FailAll(new EndOfStreamException("RDS server closed the connection")));

        var ex = Assert.Throws<IcpConnectionLostException>(() => table.Register(VirtualChannelOpen));

        Assert.Equal("RDS connection lost during ICP VirtualChannelOpen: RDS server closed the connection", ex.Message);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void FailAll_a_second_time_keeps_the_first_reason()
    {
        var table = new PendingCallTable();
        table.FailAll(new IOException("first"));
        table.FailAll(new IOException("second"));

        var ex = Assert.Throws<IcpConnectionLostException>(() => table.Register(VirtualChannelOpen));

        Assert.EndsWith(": first", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Response_continuations_do_not_run_inline_on_the_completing_thread()
    {
        var table = new PendingCallTable();
        var call = table.Register(VirtualChannelOpen);
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var finished = new ManualResetEventSlim();
        int continuationThread = -1;

        // ExecuteSynchronously asks to run inline with the completion; the table's tasks must
        // refuse that, or a slow awaiter would stall the ICP read loop that completes them.
        _ = call.Response.ContinueWith(_ =>
        {
            continuationThread = Environment.CurrentManagedThreadId;
            started.Set();
            release.Wait(Wait);
            finished.Set();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        int completingThread = Environment.CurrentManagedThreadId;
        Assert.True(table.TryComplete(AnswerTo(call), out _));
        bool finishedBeforeTryCompleteReturned = finished.IsSet;

        Assert.True(started.Wait(Wait), "continuation never ran");
        release.Set();
        Assert.True(finished.Wait(Wait));
        Assert.False(finishedBeforeTryCompleteReturned);
        Assert.NotEqual(completingThread, continuationThread);
    }
}
