using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Connection;

/// <summary>
/// The answers of one read whose callers may run their reply path on the reader
/// (<see cref="IcpCallOptions.MayCompleteOnReader"/>) but that arrived with more behind them: the
/// reader gathers them and hands them to the thread pool as one work item, which completes them
/// in order. One worker woken per read instead of one per answer; each continuation is the same
/// bounded reply path it would have been on the reader, so none waits long behind another.
/// </summary>
internal sealed class ReplyPathBatch : IThreadPoolWorkItem
{
    private readonly List<(PendingCall Call, RPCBase Response)> _answers = new(4);

    public void Add(PendingCall call, RPCBase response) => _answers.Add((call, response));

    public void Execute()
    {
        foreach (var (call, response) in _answers)
        {
            call.CompleteInBatch(response);
        }
    }
}
