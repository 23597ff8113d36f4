using System.Diagnostics;
using System.Text;

namespace SessionManager.IntegrationTests.Support;

/// <summary>The daemon binary built beside the tests, run as a separate process (text logs).</summary>
public sealed class DaemonProcess : IDisposable
{
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private DaemonProcess(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public string StandardOutput => Read(_stdout);

    public string StandardError => Read(_stderr);

    /// <summary>A loopback port free now, for a daemon's FdsApi:Port.</summary>
    public static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    public static DaemonProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    public static DaemonProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        StartWrapped([], environment, args);

    /// <summary>As <see cref="Start(IReadOnlyDictionary{string, string}, string[])"/>, run through
    /// <paramref name="wrapper"/> (a command that execs the rest, such as setpriv or prlimit).</summary>
    public static DaemonProcess StartWrapped(IReadOnlyList<string> wrapper, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        // The host project's output is copied next to the test assembly.
        var dll = Path.Combine(AppContext.BaseDirectory, "SessionManager.dll");
        var info = new ProcessStartInfo(wrapper.Count > 0 ? wrapper[0] : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in wrapper.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        if (wrapper.Count > 0)
        {
            info.ArgumentList.Add("dotnet");
        }

        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--Log:Format=text");

        // Files the daemon creates at start go to a directory of the test's, not /etc or /tmp;
        // a test's own arguments come after these and win.
        var scratch = Directory.CreateTempSubdirectory("sm-proc-").FullName;
        info.ArgumentList.Add("--FdsApi:Routing=connection");
        info.ArgumentList.Add("--FdsApi:RequireToken=false");
        info.ArgumentList.Add($"--Sessions:TokenDirectory={scratch}");
        info.ArgumentList.Add($"--Tls:CertificatePath={Path.Combine(scratch, "rds.crt")}");
        info.ArgumentList.Add($"--Tls:KeyPath={Path.Combine(scratch, "rds.key")}");
        info.ArgumentList.Add($"--Launcher:StateDirectory=/run/sessionmanager-test");
        info.ArgumentList.Add($"--Control:SocketPath={Path.Combine(scratch, "control.sock")}");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return new DaemonProcess(Process.Start(info)!);
    }

    /// <summary>What systemd's ExecReload= sends on "systemctl reload".</summary>
    public Task SendSigHupAsync() => SignalAsync("HUP");

    /// <summary>What systemd sends on "systemctl stop".</summary>
    public Task SendSigTermAsync() => SignalAsync("TERM");

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {Process.Id} failed");
        }
    }

    /// <summary>How often <paramref name="text"/> appears in stdout so far.</summary>
    public int OutputCount(string text)
    {
        string output = StandardOutput;
        int count = 0;
        for (int at = output.IndexOf(text, StringComparison.Ordinal); at >= 0; at = output.IndexOf(text, at + text.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    public async Task WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!StandardOutput.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline || Process.HasExited)
            {
                throw new TimeoutException($"daemon never printed '{text}'. stdout:\n{StandardOutput}\nstderr:\n{StandardError}");
            }

            await Task.Delay(20);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await Process.WaitForExitAsync(cts.Token);
        return Process.ExitCode;
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }

        Process.Dispose();
    }

    private static void Append(StringBuilder sb, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (sb)
        {
            sb.AppendLine(line);
        }
    }

    private static string Read(StringBuilder sb)
    {
        lock (sb)
        {
            return sb.ToString();
        }
    }
}
