using System.Diagnostics;
using System.Text;

namespace SessionManager.IntegrationTests.Support;

/// <summary>
/// A program of tests/interop (built by tests/interop/build.sh) running beside the daemon,
/// whose stdout and stderr lines a test waits for.
/// </summary>
public sealed class InteropPeer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public InteropPeer(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public IEnumerable<string> Lines => Output.Split('\n').Select(l => l.TrimEnd('\r'));

    public static Process Start(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    public static string Binary(string name)
    {
        var dir = Environment.GetEnvironmentVariable("SM_INTEROP_BIN") ?? Path.Combine(ToolingTests.RepositoryRoot(), "tests", "interop", "build");
        var path = Path.Combine(dir, name);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing: build it with tests/interop/build.sh (the README's test command does)");
    }

    public Task WaitForLineAsync(string line) => WaitForLineAsync(l => l == line, $"'{line}'");

    /// <summary>Waits for the first line that <paramref name="match"/> accepts and returns it.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (Lines.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Path.GetFileName(_process.StartInfo.FileName)} never printed {what}; it printed:\n{Output}");
            }

            await Task.Delay(20);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
