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
        var ping = await LivenessProbe.PingFdsApiAsync(port, batch);
        if (ping is { } p && p <= report.Settings.PingBound)
        {
            report.MaxPing = p > report.MaxPing ? p : report.MaxPing;
        }
        else
        {
            report.Hangs++;
            report.HangNotes.Add(ping is null
                ? $"batch {batch}: fdsapi ping not answered within {LivenessProbe.GiveUp.TotalSeconds:0} s"
                : $"batch {batch}: fdsapi ping answered after {ping.Value.TotalMilliseconds:0.0} ms (bound {report.Settings.PingBound.TotalMilliseconds:0} ms)");
            report.MaxPing = ping is { } late && late > report.MaxPing ? late : report.MaxPing;
        }

        var handshake = await LivenessProbe.HandshakeIcpAsync(daemon.SocketPath);
        if (handshake is { } h && h <= report.Settings.HandshakeBound)
        {
            report.MaxHandshake = h > report.MaxHandshake ? h : report.MaxHandshake;
        }
        else
        {
            report.Hangs++;
            report.HangNotes.Add(handshake is null
                ? $"batch {batch}: ICP handshake not answered within {LivenessProbe.GiveUp.TotalSeconds:0} s"
                : $"batch {batch}: ICP handshake answered after {handshake.Value.TotalMilliseconds:0.0} ms (bound {report.Settings.HandshakeBound.TotalMilliseconds:0} ms)");
            report.MaxHandshake = handshake is { } late && late > report.MaxHandshake ? late : report.MaxHandshake;
        }
    }
}
