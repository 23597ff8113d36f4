using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;
using Serilog.Parsing;
using SessionManager.Hosting;
using SessionManager.Icp.Hosting.Native;
using SessionManager.IntegrationTests.Support;

namespace SessionManager.IntegrationTests;

/// <summary>
/// Under systemd, stdout is a stream to journald, which takes a line's priority from a
/// <c>&lt;N&gt;</c> prefix: without one, errors are stored at info and <c>journalctl -p err</c> misses them.
/// </summary>
public sealed class JournalLoggingTests
{
    [Theory]
    [InlineData(LogEventLevel.Fatal, 2)]
    [InlineData(LogEventLevel.Error, 3)]
    [InlineData(LogEventLevel.Warning, 4)]
    [InlineData(LogEventLevel.Information, 6)]
    [InlineData(LogEventLevel.Debug, 7)]
    [InlineData(LogEventLevel.Verbose, 7)]
    public void Each_level_gets_its_syslog_priority(LogEventLevel level, int priority)
    {
        var formatter = new SyslogPriorityFormatter(new CompactJsonFormatter());
        using var output = new StringWriter(CultureInfo.InvariantCulture);

        formatter.Format(Event(level, "hello {Name}", exception: null), output);

        Assert.StartsWith($"<{priority}>{{\"@t\":", output.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("}\n", output.ToString(), StringComparison.Ordinal);
        Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Every_line_of_a_multi_line_text_event_carries_the_priority()
    {
        var formatter = new SyslogPriorityFormatter(new MessageTemplateTextFormatter("{Level:u3} {Message:lj}{NewLine}{Exception}", CultureInfo.InvariantCulture));
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        Exception thrown;
        try
        {
            throw new InvalidOperationException("boom");
        }
        catch (InvalidOperationException ex)
        {
            thrown = ex;
        }

        formatter.Format(Event(LogEventLevel.Error, "it failed", thrown), output);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 3, output.ToString());
        Assert.Equal("<3>ERR it failed", lines[0]);
        Assert.StartsWith("<3>System.InvalidOperationException: boom", lines[1], StringComparison.Ordinal);
        Assert.All(lines, line => Assert.StartsWith("<3>", line, StringComparison.Ordinal));
    }

    [Fact]
    public void JOURNAL_STREAM_counts_only_when_it_names_our_stdout()
    {
        var stdout = new FileStatus(FileKind.Other, 0, 0, Device: 9, Inode: 123456);

        Assert.True(JournalStream.Names("9:123456", stdout));
        Assert.False(JournalStream.Names("9:123457", stdout));
        Assert.False(JournalStream.Names("8:123456", stdout));
        Assert.False(JournalStream.Names("9:123456:1", stdout));
        Assert.False(JournalStream.Names("nonsense", stdout));
        Assert.False(JournalStream.Names(null, stdout));
        Assert.False(JournalStream.Names("9:123456", null));
    }

    [Fact]
    public void A_descriptors_identity_is_what_stat_prints()
    {
        using var file = new TempDirectory();
        var path = Path.Combine(file.Path, "f");
        File.WriteAllText(path, "");
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%d:%i", path]) { RedirectStandardOutput = true })!;
        string expected = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();

        using var handle = File.OpenHandle(path);
        var status = FileStatus.OfDescriptor((int)handle.DangerousGetHandle());

        Assert.NotNull(status);
        Assert.Equal(expected, $"{status.Value.Device}:{status.Value.Inode}");
    }

    [Fact]
    public async Task A_daemon_whose_stdout_is_the_journal_stream_prefixes_each_line_with_its_priority()
    {
        using var dir = new TempDirectory();
        var socketPath = Path.Combine(dir.Path, "sm.sock");
        LeaveStaleSocket(socketPath); // its replacement is logged as a Warning

        // JOURNAL_STREAM set to stdout's own device:inode, as systemd does for StandardOutput=journal.
        var (journal, journalOutput) = await RunUntilListeningAsync("export JOURNAL_STREAM=$(stat -L -c %d:%i /proc/$$/fd/1); exec", socketPath);
        Assert.Equal(0, journal);
        Assert.Contains(journalOutput, l => l.StartsWith("<4>{", StringComparison.Ordinal) && l.Contains("Replaced stale socket file", StringComparison.Ordinal));
        Assert.Contains(journalOutput, l => l.StartsWith("<6>{", StringComparison.Ordinal) && l.Contains("fdsapi listening", StringComparison.Ordinal));
        Assert.All(journalOutput, l => Assert.Matches("^<[2-7]>\\{", l));

        // Inherited from a parent whose stdout was the journal, but ours is a pipe: no prefix.
        var (inherited, inheritedOutput) = await RunUntilListeningAsync("JOURNAL_STREAM=9:1 exec", socketPath);
        Assert.Equal(0, inherited);
        Assert.All(inheritedOutput, l => Assert.StartsWith("{", l, StringComparison.Ordinal));
    }

    /// <summary>Runs the daemon under sh (JSON logs), stops it with SIGTERM once it listens; returns its exit code and stdout lines.</summary>
    private static async Task<(int ExitCode, List<string> Lines)> RunUntilListeningAsync(string shellPrefix, string socketPath)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "SessionManager.dll");
        var info = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"{shellPrefix} dotnet \"$0\" --Log:Format=json --FdsApi:Port=0 --Icp:SocketPath=\"$1\" --Control:SocketPath=\"$1.control\"");
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add(socketPath);
        using var daemon = Process.Start(info)!;
        var lines = new List<string>();
        try
        {
            while (await daemon.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) is { } line)
            {
                lines.Add(line);
                if (line.Contains("fdsapi listening", StringComparison.Ordinal))
                {
                    break;
                }
            }

            using (var kill = Process.Start("kill", ["-TERM", daemon.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            lines.AddRange((await daemon.StandardOutput.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            await daemon.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return (daemon.ExitCode, lines);
        }
        finally
        {
            if (!daemon.HasExited)
            {
                daemon.Kill(entireProcessTree: true);
            }
        }
    }

    private static void LeaveStaleSocket(string path)
    {
        // .NET removes a bound socket's file when the socket is disposed: bind elsewhere, move it in.
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path + ".binding"));
        File.Move(path + ".binding", path);
    }

    private static LogEvent Event(LogEventLevel level, string template, Exception? exception) =>
        new(DateTimeOffset.UnixEpoch, level, exception, new MessageTemplateParser().Parse(template), [new LogEventProperty("Name", new ScalarValue("x"))]);
}
