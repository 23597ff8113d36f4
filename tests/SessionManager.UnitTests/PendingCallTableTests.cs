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

    private static PendingCall Register(PendingCallTable table, IcpCallOptions options = default) =>
        table.Register(VirtualChannelOpen, 0, long.MaxValue, TimeSpan.FromSeconds(10), options);

    /// <summary>What the reader does with a response: take its call out, complete it.</summary>
    private static bool TryComplete(PendingCallTable table, RPCBase response, out PendingCall? call)
    {
        call = table.TakeAnswered(response.Tag);
        call?.Complete(response, onReaderAndIdle: false);
        return call is not null;
    }

    [Fact]
    public void Tags_are_unique_and_increasing()
    {
        var table = new PendingCallTable(4096);

        var tags = Enumerable.Range(0, 100).Select(_ => Register(table).Tag).ToList();

        Assert.Equal(100, tags.Distinct().Count());
        Assert.True(tags.Zip(tags.Skip(1)).All(p => p.Second > p.First), string.Join(",", tags));
        Assert.Equal(100, table.Count);
    }

    [Fact]
    public async Task Registered_call_receives_the_response_with_its_tag()
    {
        var table = new PendingCallTable(4096);
        var call = Register(table);
        var response = AnswerTo(call);

        Assert.True(TryComplete(table, response, out var completed));

        Assert.Same(call, completed);
        Assert.Same(response, await call.Response.WaitAsync(Wait));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public async Task Each_call_receives_only_its_own_response()
    {
        var table = new PendingCallTable(4096);
        var first = Register(table);
        var second = Register(table);

        Assert.True(TryComplete(table, AnswerTo(second), out _));
        Assert.False(first.Response.IsCompleted);
        Assert.True(TryComplete(table, AnswerTo(first), out _));

        Assert.Equal(first.Tag, (await first.Response.WaitAsync(Wait)).Tag);
        Assert.Equal(second.Tag, (await second.Response.WaitAsync(Wait)).Tag);
    }

    [Fact]
    public void Response_with_an_unknown_tag_is_not_matched()
    {
        var table = new PendingCallTable(4096);
        var call = Register(table);

        Assert.False(TryComplete(table, RpcMessages.Success(call.Tag + 1000, VirtualChannelOpen, new VirtualChannelOpenResponse()), out var matched));

        Assert.Null(matched);
        Assert.False(call.Response.IsCompleted);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Response_arriving_after_the_call_was_removed_is_not_matched()
    {
        var table = new PendingCallTable(4096);
        var call = Register(table);

        table.Remove(call);

        Assert.Equal(0, table.Count);
        Assert.False(TryComplete(table, AnswerTo(call), out _));
        Assert.False(call.Response.IsCompleted);
    }

    [Fact]
    public void Second_response_with_the_same_tag_is_not_matched()
    {
        var table = new PendingCallTable(4096);
        var call = Register(table);

        Assert.True(TryComplete(table, AnswerTo(call), out _));
        Assert.False(TryComplete(table, AnswerTo(call), out _));
    }

    [Fact]
    public async Task FailAll_fails_every_pending_call_naming_its_message_and_the_reason()
    {
        var table = new PendingCallTable(4096);
        var open = Register(table);
        var close = table.Register((uint)MsgType.VirtualChannelClose, 0, long.MaxValue, TimeSpan.FromSeconds(10), default);
        var logoff = table.Register((uint)MsgType.LogoffUserSession, 0, long.MaxValue, TimeSpan.FromSeconds(10), default);
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
        var table = new PendingCallTable(4096);
        Assert.Equal(0, table.FailAll(new EndOfStreamException("RDS server closed the connection")));

        var ex = Assert.Throws<IcpConnectionLostException>(() => Register(table));

        Assert.Equal("RDS connection lost during ICP VirtualChannelOpen: RDS server closed the connection", ex.Message);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void FailAll_a_second_time_keeps_the_first_reason()
    {
        var table = new PendingCallTable(4096);
        table.FailAll(new IOException("first"));
        table.FailAll(new IOException("second"));

        var ex = Assert.Throws<IcpConnectionLostException>(() => Register(table));

        Assert.EndsWith(": first", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Response_continuations_do_not_run_inline_on_the_completing_thread()
    {
        var table = new PendingCallTable(4096);
        var call = Register(table);
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
        Assert.True(TryComplete(table, AnswerTo(call), out _));
        bool finishedBeforeTryCompleteReturned = finished.IsSet;

        Assert.True(started.Wait(Wait), "continuation never ran");
        release.Set();
        Assert.True(finished.Wait(Wait));
        Assert.False(finishedBeforeTryCompleteReturned);
        Assert.NotEqual(completingThread, continuationThread);
    }

    [Fact]
    public void Past_the_limit_a_call_fails_at_once_naming_the_limit_and_a_freed_slot_is_usable_again()
    {
        var table = new PendingCallTable(3);
        var calls = Enumerable.Range(0, 3).Select(_ => Register(table)).ToList();

        var ex = Assert.Throws<IcpLimitException>(() => Register(table));

        Assert.Equal("ICP VirtualChannelOpen not sent: 3 calls are already waiting for the RDS server (Icp:MaxPendingCalls)", ex.Message);
        Assert.True(TryComplete(table, AnswerTo(calls[0]), out _));
        Assert.Equal(3, table.Count + 1);
        Register(table);
        Assert.Equal(3, table.Count);
    }

    [Fact]
    public async Task A_reply_path_call_completed_by_an_idle_reader_runs_its_continuation_inline()
    {
        var table = new PendingCallTable(16);
        var call = Register(table, IcpCallOptions.ReplyPath);
        int completingThread = Environment.CurrentManagedThreadId;
        int continuationThread = -1;
        bool sawReaderInline = false;
        var continued = call.Response.ContinueWith(_ =>
        {
            continuationThread = Environment.CurrentManagedThreadId;
            sawReaderInline = IcpReaderInline.IsActive;
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        var taken = table.TakeAnswered(call.Tag)!;
        taken.Complete(AnswerTo(call), onReaderAndIdle: true);
        await continued.WaitAsync(Wait);

        Assert.Equal(completingThread, continuationThread);
        Assert.True(sawReaderInline);
        Assert.False(IcpReaderInline.IsActive);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_reply_path_call_is_handed_to_the_pool_when_more_is_buffered_or_when_it_fails(bool fail)
    {
        var table = new PendingCallTable(16);
        var call = Register(table, IcpCallOptions.ReplyPath);
        using var release = new ManualResetEventSlim();
        using var finished = new ManualResetEventSlim();

        // Inline, the continuation would block the completing thread until released.
        _ = call.Response.ContinueWith(_ =>
        {
            release.Wait(Wait);
            finished.Set();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        if (fail)
        {
            table.FailAll(new IOException("gone"));
        }
        else
        {
            table.TakeAnswered(call.Tag)!.Complete(AnswerTo(call), onReaderAndIdle: false);
        }

        bool finishedBeforeCompletionReturned = finished.IsSet;
        release.Set();

        Assert.True(finished.Wait(Wait), "continuation never ran");
        Assert.False(finishedBeforeCompletionReturned);
    }
}
