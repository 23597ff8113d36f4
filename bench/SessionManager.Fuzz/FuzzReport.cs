using System.Globalization;
using SessionManager.Fuzz.Daemon;

namespace SessionManager.Fuzz;

/// <summary>The figures of one run, and the verdict: what failed, if anything.</summary>
public sealed class FuzzReport
{
    public required FuzzSettings Settings { get; init; }

    public required DateTimeOffset Started { get; init; }

    public required string Scratch { get; init; }

    public FuzzCounters Counters { get; } = new();

    public string LogPath { get; set; } = "";

    public DaemonLog? Log { get; set; }

    public int Batches { get; set; }

    public TimeSpan Elapsed { get; set; }

    public TimeSpan IcpBusy { get; set; }

    public TimeSpan ThriftBusy { get; set; }

    public bool Crashed { get; set; }

    public int? CrashExitCode { get; set; }

    /// <summary>Null: the daemon did not exit within 30 s of SIGTERM.</summary>
    public int? ExitCodeAtSigterm { get; set; }

    public int Hangs { get; set; }

    public List<string> HangNotes { get; } = [];

    public TimeSpan MaxPing { get; set; }

    public TimeSpan MaxHandshake { get; set; }

    public long RssAtStartKb { get; set; }

    public long RssAfterWarmupKb { get; set; }

    public long RssAtEndKb { get; set; }

    public long RssPeakKb { get; set; }

    public double RssRatio => RssAfterWarmupKb == 0 ? 0 : RssAtEndKb / (double)RssAfterWarmupKb;

    /// <summary>
    /// Error lines that are the daemon's documented answer to a protocol violation by an allowed
    /// RDS peer (it logs the violation and closes the link, ICP.md "Framing"): the fuzzer commits
    /// such violations on purpose, so these are counted, not failures. Any other Error line is.
    /// </summary>
    public static readonly IReadOnlySet<string> ExpectedErrors = new HashSet<string>(StringComparer.Ordinal) { "Error ProtocolError", "Error PeerVersionTooNew" };

    public long UnexpectedErrorLines => Log is null ? 0
        : Log.Count("Fatal") + Log.Count("Error") - Log.Complaints.Where(kv => ExpectedErrors.Contains(kv.Key)).Sum(kv => kv.Value);

    public long Stalls => Counters.Get("icp: stalls (daemon did not close a finished connection)") + Counters.Get("thrift: stalls (daemon did not close a finished connection)");

    /// <summary>Everything that makes the run a failure; empty when the daemon passed.</summary>
    public List<string> Failures()
    {
        var failures = new List<string>();
        if (Crashed)
        {
            failures.Add($"daemon exited during the run (exit code {CrashExitCode})");
        }
        else if (ExitCodeAtSigterm != 0)
        {
            failures.Add(ExitCodeAtSigterm is null ? "daemon did not exit within 30 s of SIGTERM" : $"daemon exited {ExitCodeAtSigterm} on SIGTERM, not 0");
        }

        if (Hangs > 0)
        {
            failures.Add($"{Hangs} liveness checks failed: {string.Join("; ", HangNotes.Take(5))}");
        }

        if (Stalls > 0)
        {
            failures.Add($"{Stalls} connections the daemon never closed after the fuzzer finished sending");
        }

        if (RssRatio > Settings.RssBound)
        {
            failures.Add(FormattableString.Invariant($"RSS grew {RssRatio:0.00}x (bound {Settings.RssBound:0.00}x)"));
        }

        if (Log is { } log)
        {
            if (log.UnhandledExceptions > 0)
            {
                failures.Add($"{log.UnhandledExceptions} 'Unhandled exception' lines in the daemon's output");
            }

            if (UnexpectedErrorLines > 0)
            {
                failures.Add($"{UnexpectedErrorLines} Fatal or Error lines (besides ProtocolError and PeerVersionTooNew) in the daemon's log: {string.Join(" | ", log.FirstErrors.Take(3))}");
            }
        }

        return failures;
    }

    public void Print(TextWriter to)
    {
        var inv = CultureInfo.InvariantCulture;
        double seconds = Elapsed.TotalSeconds;
        to.WriteLine();
        to.WriteLine(string.Create(inv, $"fuzz run of {Started:yyyy-MM-dd HH:mm}, seed {Settings.Seed}, {Batches} batches of up to {Settings.BatchSize:N0} per target, {seconds:0} s"));
        to.WriteLine(string.Create(inv, $"ICP:    {Counters.IcpFrames,10:N0} frames    over {Counters.Get("icp: connections"),8:N0} connections, {Counters.IcpFrames / seconds,8:N0} frames/s ({IcpBusy.TotalSeconds:0} s busy)"));
        to.WriteLine(string.Create(inv, $"Thrift: {Counters.ThriftMessages,10:N0} messages  over {Counters.Get("thrift: connections"),8:N0} connections, {Counters.ThriftMessages / seconds,8:N0} messages/s ({ThriftBusy.TotalSeconds:0} s busy, {Settings.ThriftWorkers} at once)"));
        to.WriteLine(string.Create(inv, $"crashes {(Crashed ? 1 : 0)}, hangs {Hangs}, stalled connections {Stalls}; max fdsapi ping {MaxPing.TotalMilliseconds:0.0} ms (bound {Settings.PingBound.TotalMilliseconds:0}), max ICP handshake {MaxHandshake.TotalMilliseconds:0.0} ms (bound {Settings.HandshakeBound.TotalMilliseconds:0})"));
        to.WriteLine(string.Create(inv, $"RSS: start {RssAtStartKb / 1024.0:0.0} MB, after warm-up {RssAfterWarmupKb / 1024.0:0.0} MB, end {RssAtEndKb / 1024.0:0.0} MB ({RssRatio:0.00}x, bound {Settings.RssBound:0.00}x), peak {RssPeakKb / 1024.0:0.0} MB"));
        to.WriteLine($"SIGTERM: exit code {ExitCodeAtSigterm?.ToString(inv) ?? "none"}");
        foreach (var (name, count) in Counters.Named.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            to.WriteLine(string.Create(inv, $"  {name,-58} {count,10:N0}"));
        }

        if (Log is { } log)
        {
            string levels = string.Join(", ", log.ByLevel.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => string.Create(inv, $"{kv.Key} {kv.Value:N0}")));
            to.WriteLine(string.Create(inv, $"daemon log ({LogPath}): {log.Lines:N0} lines; {levels}; 'Unhandled exception' {log.UnhandledExceptions}"));
            foreach (var (what, count) in log.Complaints.OrderByDescending(kv => kv.Value))
            {
                to.WriteLine(string.Create(inv, $"  {what,-58} {count,10:N0}"));
            }

            foreach (var line in log.StderrLines.Take(10))
            {
                to.WriteLine("  stderr: " + line);
            }
        }

        var failures = Failures();
        to.WriteLine(failures.Count == 0 ? "PASS" : "FAIL: " + string.Join("\n      ", failures));
    }
}
