using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using SessionManager.Icp;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Handlers;
using SessionManager.Icp.Protocol;

namespace SessionManager.Benchmarks;

/// <summary>
/// SM→RDS calls through the real <see cref="IcpConnection"/> (send lock, outbound pipe, send
/// loop, read loop, pending-call table, timeout) against <see cref="LoopbackRds"/> over an
/// in-memory duplex stream. Allocated counts every thread (both loops and the fake peer), so it
/// includes the fake peer's parse of each request.
/// </summary>
[MemoryDiagnoser]
public class RoundTripBenchmarks
{
    private const int Batch = 64;
    private readonly VirtualChannelOpenRequest _request = SampleMessages.OpenRequest();
    private readonly Task<RPCBase>[] _inFlight = new Task<RPCBase>[Batch];

    // A live token, as a caller's request-aborted token would be: WaitAsync registers on it.
    private readonly CancellationTokenSource _caller = new();
    private CancellationToken _token;
    private LoopbackRds _rds = null!;
    private IcpConnection _connection = null!;

    /// <summary>
    /// How each call is bounded. <see cref="CallLimits.TimeoutAndToken"/> is production: the
    /// default 10 s RequestTimeout and a cancellable caller token. <see cref="CallLimits.None"/>
    /// (infinite timeout, no token) is a diagnostic: the response task's WaitAsync then returns
    /// the task itself, so the difference is what the per-call timeout and cancellation cost.
    /// </summary>
    [Params(CallLimits.TimeoutAndToken, CallLimits.None)]
    public CallLimits Limits { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new IcpOptions();
        _token = _caller.Token;
        if (Limits == CallLimits.None)
        {
            options.RequestTimeout = Timeout.InfiniteTimeSpan;
            _token = CancellationToken.None;
        }

        _rds = new LoopbackRds();
        _connection = new IcpConnection(
            _rds.SessionManagerEnd,
            PeerCredentials.Unknown,
            options,
            new IcpRequestDispatcher([], NullLogger<IcpRequestDispatcher>.Instance),
            NullLogger.Instance);
        _connection.Start();

        var answer = SingleCall().GetAwaiter().GetResult();
        var payload = VirtualChannelOpenResponse.Parser.ParseFrom(answer.Payload);
        if (answer.Status != RPCStatus.Success || payload.Instance != 1)
        {
            throw new InvalidOperationException("the loopback RDS server did not answer VirtualChannelOpen");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _rds.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _caller.Dispose();
    }

    /// <summary>
    /// One call: await SendRequestAsync (the frame is queued), then its response task. Queuing
    /// normally completes synchronously, and then no state machine of ours is involved, so
    /// Allocated is the engine's and the fake peer's alone.
    /// </summary>
    [Benchmark(Baseline = true)]
    public Task<RPCBase> SingleCall()
    {
        var sending = _connection.SendRequestAsync(SampleMessages.VirtualChannelOpen, _request, _token);
        return sending.IsCompletedSuccessfully ? sending.Result : AwaitResponseAsync(sending);
    }

    /// <summary>64 calls in flight at once (all queued before any answer is awaited); figures are per call.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task Batch64()
    {
        for (int i = 0; i < Batch; i++)
        {
            _inFlight[i] = await _connection.SendRequestAsync(SampleMessages.VirtualChannelOpen, _request, _token);
        }

        for (int i = 0; i < Batch; i++)
        {
            await _inFlight[i];
        }
    }

    private static async Task<RPCBase> AwaitResponseAsync(Task<Task<RPCBase>> sending) => await await sending;
}

public enum CallLimits
{
    TimeoutAndToken,
    None,
}
