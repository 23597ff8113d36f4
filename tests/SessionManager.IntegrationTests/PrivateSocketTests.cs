using System.Diagnostics;
using SessionManager.IntegrationTests.Support;

namespace SessionManager.IntegrationTests;

/// <summary>
/// sm-launcher and sm-spawner listen only on a socket nobody else could swap: in a directory of
/// their own uid with mode 0700, at an absolute path. Anything else ends them at once, saying why.
/// </summary>
public sealed class PrivateSocketTests
{
    [Theory]
    [InlineData("sm-launcher")]
    [InlineData("sm-spawner")]
    public async Task A_socket_in_a_directory_others_can_enter_is_refused_with_the_reason(string program)
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        string socket = Path.Combine(dir.Path, "x.sock");

        var (code, stderr) = await RunAsync(program, socket);

        Assert.NotEqual(0, code);
        Assert.Contains($"socket directory {dir.Path} must be a directory owned by uid", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(socket));
    }

    [Theory]
    [InlineData("sm-launcher")]
    [InlineData("sm-spawner")]
    public async Task A_relative_socket_path_is_refused_with_the_reason(string program)
    {
        var (code, stderr) = await RunAsync(program, "relative/x.sock");

        Assert.NotEqual(0, code);
        Assert.Contains("socket path must be absolute", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stderr)> RunAsync(string program, string socket)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, program)) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in program == "sm-spawner" ? new[] { "--socket", socket, "--", "/bin/true" } : ["--socket", socket])
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, await stderr);
    }
}
