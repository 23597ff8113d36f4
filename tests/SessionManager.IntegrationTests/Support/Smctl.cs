using System.Diagnostics;
using System.Text.Json;

namespace SessionManager.IntegrationTests.Support;

/// <summary>The built smctl (copied beside the test assembly), run as a process, as root or as another user (setpriv, with that user's groups).</summary>
public sealed class Smctl(string socketPath)
{
    public static string Path => System.IO.Path.Combine(AppContext.BaseDirectory, "smctl");

    public string SocketPath { get; } = socketPath;

    /// <summary>A socket path in a directory of its own that every user may reach (the daemon creates it 0755).</summary>
    public static string NewSocketPath() => $"/tmp/sm-ctl-{Guid.NewGuid():N}/control.sock";

    public static void RemoveDirectory(string socketPath)
    {
        try
        {
            Directory.Delete(System.IO.Path.GetDirectoryName(socketPath)!, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    public Task<SmctlResult> RunAsync(params string[] args) => RunAsAsync(null, args);

    public async Task<SmctlResult> RunAsAsync(string? user, params string[] args)
    {
        var info = new ProcessStartInfo(user is null ? Path : "setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (user is not null)
        {
            foreach (var a in (string[])[$"--reuid={user}", $"--regid={user}", "--init-groups", Path])
            {
                info.ArgumentList.Add(a);
            }

            info.Environment["HOME"] = "/tmp";
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.ArgumentList.Add("--socket");
        info.ArgumentList.Add(SocketPath);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return new SmctlResult(process.ExitCode, await stdout, await stderr);
    }
}

public sealed record SmctlResult(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json => JsonDocument.Parse(Stdout).RootElement;

    public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}";
}
