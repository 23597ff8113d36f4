using BenchmarkDotNet.Attributes;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Protocol;

namespace SessionManager.Benchmarks;

/// <summary>
/// One call's life in the pending-call table without the wire: registered (new tag, new
/// PendingCall), completed by its response, removed (a no-op by then, as in
/// IcpConnection.AwaitResponseAsync's finally).
/// </summary>
[MemoryDiagnoser]
public class PendingCallTableBenchmarks
{
    private readonly PendingCallTable _table = new();
    private readonly RPCBase _response = new()
    {
        IsResponse = true,
        Status = RPCStatus.Success,
        MsgType = SampleMessages.VirtualChannelOpen,
    };

    [Benchmark]
    public bool RegisterCompleteRemove()
    {
        var call = _table.Register(SampleMessages.VirtualChannelOpen);
        _response.Tag = call.Tag;
        bool completed = _table.TryComplete(_response, out _);
        _table.Remove(call);
        return completed;
    }
}
