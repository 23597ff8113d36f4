using System.Diagnostics;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Connection;

/// <summary>One SM→RDS request waiting for its response.</summary>
internal sealed class PendingCall(uint tag, uint msgType, long deadline = long.MaxValue)
{
    // Continuations run on the thread pool, never inline on the read loop that completes them:
    // an awaiting Thrift handler must not serialize its reply on the ICP reader's thread.
    private readonly TaskCompletionSource<RPCBase> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public uint Tag { get; } = tag;

    public uint MsgType { get; } = msgType;

    public long StartedAt { get; } = Stopwatch.GetTimestamp();

    /// <summary>When the call times out, in <see cref="Stopwatch"/> ticks.</summary>
    public long Deadline { get; } = deadline;

    public Task<RPCBase> Response => _completion.Task;

    public bool TryComplete(RPCBase response) => _completion.TrySetResult(response);

    public void Cancel(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);

    public void Fail(Exception reason)
    {
        if (_completion.TrySetException(reason))
        {
            // The caller may already have given up (timeout): mark the fault observed so it is
            // not reported as an unobserved task exception.
            _ = _completion.Task.Exception;
        }
    }
}
