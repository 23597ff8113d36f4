using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Connection;

/// <summary>One SM→RDS request waiting for its response.</summary>
internal sealed class PendingCall
{
    // Continuations run on the thread pool, never inline on whichever thread completes the call,
    // unless the caller asked for its reply path to run on the reader (MayCompleteOnReader); then
    // the TCS runs continuations synchronously and every completion other than the reader's
    // guarded one is handed to the pool here, or by the reader's ReplyPathBatch.
    private readonly TaskCompletionSource<RPCBase> _completion;

    public PendingCall(uint tag, uint msgType, long startedAt, long deadline, TimeSpan timeout, IcpCallOptions options)
    {
        Tag = tag;
        MsgType = msgType;
        StartedAt = startedAt;
        Deadline = deadline;
        Timeout = timeout;
        MayCompleteOnReader = options.MayCompleteOnReader;
        IsHeartbeat = options.IsHeartbeat;
        Caller = options.Caller;
        _completion = new(MayCompleteOnReader ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public uint Tag { get; }

    public uint MsgType { get; }

    /// <summary>When the call was registered, in the connection's TimeProvider timestamps.</summary>
    public long StartedAt { get; }

    /// <summary>When the call times out, in the connection's TimeProvider timestamps.</summary>
    public long Deadline { get; }

    public TimeSpan Timeout { get; }

    public bool MayCompleteOnReader { get; }

    public bool IsHeartbeat { get; }

    /// <summary>Whom the call counts against until it leaves the table; null: the daemon's own call.</summary>
    public IcpCaller? Caller { get; }

    public Task<RPCBase> Response => _completion.Task;

    /// <summary>Completes with the answer; <paramref name="onReaderAndIdle"/>: the reader has nothing more buffered.</summary>
    public void Complete(RPCBase response, bool onReaderAndIdle)
    {
        if (MayCompleteOnReader && !onReaderAndIdle)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Call._completion.TrySetResult(s.Response), (Call: this, Response: response), preferLocal: false);
            return;
        }

        if (MayCompleteOnReader)
        {
            IcpReaderInline.Run(_completion, response);
            return;
        }

        _completion.TrySetResult(response);
    }

    /// <summary>Completes a reply-path call on the worker of its <see cref="ReplyPathBatch"/>, which
    /// runs it as the reader would have: bounded, and yielding before anything more.</summary>
    public void CompleteInBatch(RPCBase response) => IcpReaderInline.Run(_completion, response);

    public void Cancel(CancellationToken cancellationToken)
    {
        if (MayCompleteOnReader)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Call._completion.TrySetCanceled(s.Token), (Call: this, Token: cancellationToken), preferLocal: false);
            return;
        }

        _completion.TrySetCanceled(cancellationToken);
    }

    public void Fail(Exception reason)
    {
        if (MayCompleteOnReader)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Call.FailNow(s.Reason), (Call: this, Reason: reason), preferLocal: false);
            return;
        }

        FailNow(reason);
    }

    private void FailNow(Exception reason)
    {
        if (_completion.TrySetException(reason))
        {
            // The caller may already have given up (timeout): mark the fault observed so it is
            // not reported as an unobserved task exception.
            _ = _completion.Task.Exception;
        }
    }
}
