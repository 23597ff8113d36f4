using System.Diagnostics;
using System.Globalization;

namespace SessionManager.IntegrationTests.Support;

/// <summary>Session tests share the test users: one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SessionTestGroup
{
    public const string Name = "sessions";
}

/// <summary>An account as the system knows it (getent).</summary>
public sealed record Account(uint Uid, uint Gid, string Home)
{
    public static async Task<Account> OfAsync(string user)
    {
        var fields = (await RunAsync("getent", "passwd", user)).Trim().Split(':');
        return new Account(uint.Parse(fields[2], CultureInfo.InvariantCulture), uint.Parse(fields[3], CultureInfo.InvariantCulture), fields[5]);
    }

    public static uint GroupId(string group) => uint.Parse(RunAsync("getent", "group", group).GetAwaiter().GetResult().Split(':')[2], CultureInfo.InvariantCulture);

    /// <summary>The user's groups in the group database (<c>id -G</c>: the primary group and every group listing the user).</summary>
    public static async Task<IReadOnlySet<uint>> GroupsOfAsync(string user) =>
        (await RunAsync("id", "-G", user)).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(g => uint.Parse(g, CultureInfo.InvariantCulture)).ToHashSet();

    public static async Task<uint> OwnerOfAsync(string path) => uint.Parse((await RunAsync("stat", "-c", "%u", path)).Trim(), CultureInfo.InvariantCulture);

    private static async Task<string> RunAsync(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardOutput = true })!;
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
