using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using SessionManager.Icp;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Handlers;
using SessionManager.Icp.Protocol;

namespace SessionManager.Benchmarks;

/// <summary>
/// SM→RDS calls through the real <see cref="IcpConnection"/> (combining writer, read loop,
/// pending-call table, timeout sweep) against <see cref="LoopbackRds"/> over an in-memory duplex
/// stream. Calls are bounded as in production: the default 10 s RequestTimeout and a cancellable
/// caller token. Allocated counts every thread (the read loop and the fake peer too), so it
/// includes the fake peer's parse of each request.
/// </summary>
[MemoryDiagnoser]
public class RoundTripBenchmarks
{
    private const int Batch = 64;
    private readonly VirtualChannelOpenRequest _request = SampleMessages.OpenRequest();
    private readonly Task<RPCBase>[] _inFlight = new Task<RPCBase>[Batch];

    // A live token, as a caller's request-aborted token would be: each call registers on it.
    private readonly CancellationTokenSource _caller = new();
    private LoopbackRds _rds = null!;
    private IcpConnection _connection = null!;

    [GlobalSetup]
    public void Setup()
    {
        _rds = new LoopbackRds();
        _connection = new IcpConnection(
            _rds.SessionManagerEnd,
            PeerCredentials.Unknown,
            new IcpOptions(),
            new IcpRequestDispatcher([], EmptyServices.Instance, NullLogger<IcpRequestDispatcher>.Instance),
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
    /// One call: CallAsync, then its response task. With no write in progress the
    /// caller writes its own frame, and the in-memory stream takes it at once, so sending
    /// completes synchronously; then no state machine of ours is involved, and Allocated is the
    /// engine's and the fake peer's alone.
    /// </summary>
    [Benchmark(Baseline = true)]
    public Task<RPCBase> SingleCall()
    {
        return _connection.CallAsync(SampleMessages.VirtualChannelOpen, _request, default, _caller.Token);
    }

    /// <summary>64 calls in flight at once (all sent before any answer is awaited); figures are per call.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task Batch64()
    {
        for (int i = 0; i < Batch; i++)
        {
            _inFlight[i] = _connection.CallAsync(SampleMessages.VirtualChannelOpen, _request, default, _caller.Token);
        }

        for (int i = 0; i < Batch; i++)
        {
            await _inFlight[i];
        }
    }
}

/// <summary>No services: no RDS→SM handlers are needed here.</summary>
internal sealed class EmptyServices : IServiceProvider
{
    public static readonly EmptyServices Instance = new();

    public object? GetService(Type serviceType) => null;
}
