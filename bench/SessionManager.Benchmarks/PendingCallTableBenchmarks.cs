using BenchmarkDotNet.Attributes;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Protocol;

namespace SessionManager.Benchmarks;

/// <summary>
/// One call's life in the pending-call table without the wire: registered (new tag, new
/// PendingCall), taken out by its response and completed (the two lock
/// acquisitions of a successful call).
/// </summary>
[MemoryDiagnoser]
public class PendingCallTableBenchmarks
{
    private readonly PendingCallTable _table = new(4096);
    private readonly RPCBase _response = new()
    {
        IsResponse = true,
        Status = RPCStatus.Success,
        MsgType = SampleMessages.VirtualChannelOpen,
    };

    [Benchmark]
    public bool RegisterCompleteRemove()
    {
        var call = _table.Register(SampleMessages.VirtualChannelOpen, 0, long.MaxValue, TimeSpan.FromSeconds(10), default);
        _response.Tag = call.Tag;
        var answered = _table.TakeAnswered(_response.Tag);
        answered?.Complete(_response, onReaderAndIdle: false);
        return answered is not null;
    }
}
