using System.Diagnostics;
using SessionManager.Fuzz.Daemon;
using SessionManager.Fuzz.Icp;
using SessionManager.Fuzz.Thrift;

namespace SessionManager.Fuzz;

/// <summary>
/// One fuzzing run: start a daemon, then batch after batch send ICP frames and Thrift messages at
/// once, and after each batch check that the daemon lives, answers a fresh ping and a fresh
/// handshake, and how much memory it holds; at the end SIGTERM and read what it logged.
/// </summary>
public static class FuzzRun
{
    public static async Task<FuzzReport> RunAsync(FuzzSettings settings, DaemonCommand command, TextWriter progress)
    {
        var scratch = Directory.CreateTempSubdirectory("sm-fuzz-").FullName;
        var report = new FuzzReport { Settings = settings, Started = DateTimeOffset.Now, Scratch = scratch };
        var counters = report.Counters;
        await using var daemon = await FuzzDaemon.StartAsync(command, scratch, settings);
        report.LogPath = daemon.Log.Path;
        report.RssAtStartKb = daemon.RssKb();
        int port = await daemon.ThriftPort;
        var icp = new IcpFuzzer(daemon.SocketPath, settings, counters);
        var thrift = new ThriftFuzzer(port, settings, counters);
        var icpRng = new Random(settings.Seed);
        var clock = Stopwatch.StartNew();

        for (int batch = 0; counters.IcpFrames < settings.IcpFrames || counters.ThriftMessages < settings.ThriftMessages; batch++)
        {
            long icpPart = Math.Clamp(settings.IcpFrames - counters.IcpFrames, 0, settings.BatchSize);
            long thriftPart = Math.Clamp(settings.ThriftMessages - counters.ThriftMessages, 0, settings.BatchSize);
            var icpTime = Timed(() => icp.RunAsync(icpRng, icpPart));
            var thriftTime = Timed(() => thrift.RunAsync(HashCode.Combine(settings.Seed, batch), thriftPart));
            report.IcpBusy += await icpTime;
            report.ThriftBusy += await thriftTime;
            report.Batches++;

            if (daemon.HasExited)
            {
                report.Crashed = true;
                report.CrashExitCode = daemon.ExitCode;
                break;
            }

            await CheckLivenessAsync(report, daemon, port, batch);
            long rss = daemon.RssKb();
            report.RssPeakKb = Math.Max(report.RssPeakKb, rss);
            if (batch == 0)
            {
                report.RssAfterWarmupKb = rss; // JIT, pools and buffers have been grown once
            }

            if (batch % 10 == 0)
            {
                progress.WriteLine(FormattableString.Invariant(
                    $"[{clock.Elapsed:hh\\:mm\\:ss}] batch {batch}: ICP {counters.IcpFrames:N0} frames, Thrift {counters.ThriftMessages:N0} messages, RSS {rss / 1024.0:0.0} MB, ping {report.MaxPing.TotalMilliseconds:0.0} ms max, hangs {report.Hangs}"));
            }
        }

        report.Elapsed = clock.Elapsed;
        report.RssAtEndKb = daemon.RssKb();
        if (!daemon.HasExited)
        {
            report.ExitCodeAtSigterm = await daemon.StopAsync(TimeSpan.FromSeconds(30));
        }
        else
        {
            report.Crashed = true;
            report.CrashExitCode = daemon.ExitCode;
        }

        await daemon.DisposeAsync();
        report.Log = daemon.Log;
        return report;
    }

    private static async Task<TimeSpan> Timed(Func<Task> work)
    {
        var clock = Stopwatch.StartNew();
        await Task.Run(work);
        return clock.Elapsed;
    }

    private static async Task CheckLivenessAsync(FuzzReport report, FuzzDaemon daemon, int port, int batch)
    {
        report.MaxPing = Check(report, batch, "fdsapi ping", await LivenessProbe.PingFdsApiAsync(port, batch), report.Settings.PingBound, report.MaxPing);
        report.MaxHandshake = Check(report, batch, "ICP handshake", await LivenessProbe.HandshakeIcpAsync(daemon.SocketPath), report.Settings.HandshakeBound, report.MaxHandshake);
    }

    /// <summary>One probe's answer time against its bound: a missing or late answer is a hang.
    /// Returns the new maximum (a late answer counts towards it too).</summary>
    private static TimeSpan Check(FuzzReport report, int batch, string probe, TimeSpan? answeredIn, TimeSpan bound, TimeSpan max)
    {
        if (answeredIn is not { } took || took > bound)
        {
            report.Hangs++;
            report.HangNotes.Add(answeredIn is null
                ? $"batch {batch}: {probe} not answered within {LivenessProbe.GiveUp.TotalSeconds:0} s"
                : $"batch {batch}: {probe} answered after {answeredIn.Value.TotalMilliseconds:0.0} ms (bound {bound.TotalMilliseconds:0} ms)");
        }

        return answeredIn is { } t && t > max ? t : max;
    }
}
