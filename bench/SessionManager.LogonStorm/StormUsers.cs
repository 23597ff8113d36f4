using System.Diagnostics;
using System.Globalization;

namespace SessionManager.LogonStorm;

/// <summary>The storm's accounts smstorm001..N (password Pw-storm-NNN!), created with useradd and
/// chpasswd when missing, so pam_unix checks a real password hash for each.</summary>
internal static class StormUsers
{
    public static string Name(int i) => "smstorm" + i.ToString("000", CultureInfo.InvariantCulture);

    public static string Password(int i) => $"Pw-storm-{i:000}!";

    public static async Task<int> CreateAsync(int count)
    {
        int created = 0;
        for (int i = 1; i <= count; i++)
        {
            if (await RunAsync("id", [Name(i)], quiet: true) != 0)
            {
                // useradd locks /etc/passwd: one at a time. A home, as backends start in it.
                await MustAsync("useradd", "-m", "-s", "/bin/bash", Name(i));
                created++;
            }
        }

        // Passwords are set every time: a kept account from an older run may have another one.
        string lines = string.Concat(Enumerable.Range(1, count).Select(i => $"{Name(i)}:{Password(i)}\n"));
        if (await RunAsync("chpasswd", [], input: lines) != 0)
        {
            throw new InvalidOperationException("chpasswd failed");
        }

        return created;
    }

    public static async Task RemoveAsync(int count)
    {
        for (int i = 1; i <= count; i++)
        {
            await RunAsync("userdel", ["-r", "-f", Name(i)], quiet: true);
        }
    }

    private static async Task MustAsync(string program, params string[] args)
    {
        if (await RunAsync(program, args) != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed");
        }
    }

    private static async Task<int> RunAsync(string program, string[] args, bool quiet = false, string? input = null)
    {
        var info = new ProcessStartInfo(program, args) { RedirectStandardInput = input is not null, RedirectStandardOutput = quiet, RedirectStandardError = quiet };
        using var process = Process.Start(info)!;
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        if (quiet)
        {
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
        }

        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
