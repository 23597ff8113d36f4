using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SessionManager.FdsApi;
using SessionManager.Icp;
using SessionManager.Icp.Link;
using SessionManager.Icp.Protocol;
using SessionManager.Metrics;

namespace SessionManager.Benchmarks;

/// <summary>
/// What the metrics add to one bridged fdsapi call: its fdsapi call count and its ICP call's
/// duration, with nothing listening (Metrics:Listen empty) and with the Prometheus exporter's
/// bridge listening. The e2e benchmark's CPU per call is ~50 µs on this machine, too noisy to
/// show a fraction of a microsecond; this isolates it.
/// </summary>
[MemoryDiagnoser]
public class MetricsRecordingBenchmarks
{
    private ServiceProvider? _services;
    private PrometheusBridge? _bridge;
    private RdsLink? _link;
    private IcpMetrics _icp = null!;
    private FdsApiMetrics _fdsapi = null!;
    private static readonly TimeSpan Elapsed = TimeSpan.FromMicroseconds(250);

    [Params(false, true)]
    public bool Exporting { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        _link = new RdsLink(NullLogger<RdsLink>.Instance);
        _icp = new IcpMetrics(meters, _link);
        _fdsapi = new FdsApiMetrics(meters);
        if (Exporting)
        {
            _bridge = new PrometheusBridge(meters);
        }

        OneBridgedCall(); // the children of these labels exist from the first call on
    }

    [Benchmark]
    public void OneBridgedCall()
    {
        _fdsapi.Call("virtualChannelOpen", FdsApiMetrics.Results.Ok);
        _icp.CallEnded((uint)MsgType.VirtualChannelOpen, Elapsed, IcpMetrics.Results.Ok);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bridge?.Dispose();
        _link?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _services?.Dispose();
    }
}
