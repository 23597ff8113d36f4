using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace SessionManager.IntegrationTests.Support;

/// <summary>
/// tests/standin-backend run directly (as the test's user), with its report and events log in
/// a temporary directory. The daemon's launcher will start it the same way, as the session user.
/// </summary>
public sealed class StandinBackendProcess : IDisposable
{
    private readonly StringBuilder _stderr = new();

    private StandinBackendProcess(Process process, string reportPath)
    {
        Process = process;
        ReportPath = reportPath;
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    public Process Process { get; }

    public string ReportPath { get; }

    public string EventsPath => ReportPath + ".events";

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the stand-in with <paramref name="args"/> and <paramref name="environment"/>
    /// added to the test's; the report goes to <c>directory/report</c> (via STANDIN_REPORT unless
    /// the arguments name one).
    /// </summary>
    public static StandinBackendProcess Start(string directory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo(BinaryPath())
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var report = Path.Combine(directory, "report");
        info.Environment["STANDIN_REPORT"] = report;
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return new StandinBackendProcess(Process.Start(info)!, report);
    }

    /// <summary>The built stand-in: $SM_STANDIN_BACKEND (set by tests/run-all.sh), else its default build path.</summary>
    public static string BinaryPath()
    {
        var path = Environment.GetEnvironmentVariable("SM_STANDIN_BACKEND")
            ?? Path.Combine(RepositoryRoot(), "tests", "standin-backend", "build", "standin-backend");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing: build it with make -C tests/standin-backend (the README's test command does)");
    }

    /// <summary>The events log's lines so far (empty before the first).</summary>
    public IReadOnlyList<string> Events() =>
        File.Exists(EventsPath) ? File.ReadAllLines(EventsPath) : [];

    /// <summary>Waits for an events line starting with <paramref name="prefix"/>.</summary>
    public async Task WaitForEventAsync(string prefix)
    {
        try
        {
            await Wait.UntilAsync(() => Events().Any(l => l.StartsWith(prefix, StringComparison.Ordinal)), $"the stand-in logs '{prefix}'", TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; stderr:\n{StandardError}", e);
        }
    }

    public async Task SendSignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", Process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {Process.Id} failed");
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        await Process.WaitForExitAsync(cts.Token);
        return Process.ExitCode;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SessionManager.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("SessionManager.sln not found above " + AppContext.BaseDirectory);
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill();
            Process.WaitForExit();
        }

        Process.Dispose();
    }
}
