using System.Text.RegularExpressions;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;

namespace SessionManager.IntegrationTests;

/// <summary>
/// Nothing the daemon's unit or the launcher does to its own process reaches a session
/// (deploy/HARDENING.md): every program of every session descends from the daemon.
/// </summary>
[Collection(SessionTestGroup.Name)]
public sealed partial class UnitSettingsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void The_unit_sets_no_directive_that_reaches_the_sessions()
    {
        var reaching = ReachingDirectives();
        // The table cannot lose the ones that broke sessions, or those the issue names.
        Assert.Superset(new HashSet<string> { "NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "ReadWritePaths", "LimitCORE", "SystemCallFilter", "CapabilityBoundingSet" }, reaching);

        var set = UnitProcessSettings.ServiceDirectives()
            .Where(d => reaching.Contains(d.Key) || d.Key.StartsWith("Limit", StringComparison.Ordinal))
            .Where(d => d != ("PrivateTmp", "false"))
            .Select(d => $"{d.Key}={d.Value}");
        Assert.Empty(set);
    }

    [RootFact]
    public async Task A_session_of_a_daemon_run_with_the_units_process_settings_can_gain_privileges_with_setuid_and_setgid_programs()
    {
        var unit = UnitProcessSettings.Read();
        string directory = SessionRig.CreateDirectory();
        try
        {
            // The desktop is a shell that records what the session may do, then becomes the
            // stand-in: NoNewPrivs of a session process, and unix_chkpwd (setgid shadow, what a
            // screen locker runs) checking the user's own password.
            const string probe = """
                { grep '^NoNewPrivs:' /proc/self/status; printf '%s\000' "$SM_TEST_PASSWORD" | /sbin/unix_chkpwd "$USER" nullok; echo "unix_chkpwd=$?"; } > "$0" 2>&1; exec "$@"
                """;
            string[] args =
            [
                .. SessionRig.DaemonSettings(directory).Select(s => "--" + s),
                $"--Icp:SocketPath={directory}/sm.sock",
                $"--Control:SocketPath={directory}/control.sock",
                "--FdsApi:Port=0",
                "--Backends:desktop:Command:0=/bin/sh",
                "--Backends:desktop:Command:1=-c",
                $"--Backends:desktop:Command:2={probe}",
                $"--Backends:desktop:Command:3={directory}/probe-{{SessionId}}",
                $"--Backends:desktop:Command:4={SessionRig.StandinPath}",
                "--Backends:desktop:Command:5=--endpoint-path",
                "--Backends:desktop:Command:6={EndpointPath}",
                "--Backends:desktop:Command:7=--report",
                $"--Backends:desktop:Command:8={directory}/report-{{SessionId}}",
                $"--Backends:desktop:Environment:SM_TEST_PASSWORD={SessionRig.Password1}",
            ];
            using var daemon = DaemonProcess.StartWrapped(unit.Wrapper, unit.Environment, args);
            await daemon.WaitForOutputAsync("fdsapi listening", Patience);
            var (rds, _) = await FakeRdsPeer.ConnectWithHandshakeAsync($"{directory}/sm.sock");
            await using var _rds = rds;
            rds.Answer = StandardRdsAnswers.Answer;

            var result = await rds.PlayOgonConnectionAsync(new OgonClientConnection(1, "smtest1", SessionRig.Password1, ClientHostName: "pc1"), Path.Combine(directory, "pipe"))
                .WaitAsync(Patience);

            Assert.True(result.Succeeded, $"{result.RefusedBecause ?? result.Backend?.Detail}\n{daemon.StandardOutput}");
            string probed = await File.ReadAllTextAsync(Path.Combine(directory, "probe-2"));
            Assert.Matches(@"NoNewPrivs:\s+0\n", probed);
            Assert.Contains("unix_chkpwd=0", probed, StringComparison.Ordinal);

            // What the launcher did to itself (umask 077, no core file) is not the session's.
            var report = await ReportAsync(Path.Combine(directory, "report-2"));
            Assert.Equal("0022", report["umask"]);
            Assert.Equal(CoreLimit(daemon.Process.Id), CoreLimit(int.Parse(report["pid"], System.Globalization.CultureInfo.InvariantCulture)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [RootFact]
    public async Task The_launchers_umask_and_core_limit_do_not_reach_the_backend()
    {
        await using var rig = await SessionRig.StartAsync();

        var result = await rig.LogonAsync(1, "smtest1", SessionRig.Password1).WaitAsync(Patience);

        Assert.True(result.Succeeded, result.RefusedBecause ?? result.Backend?.Detail);
        var report = await rig.ReportAsync(2);
        Assert.Equal("0022", report["umask"]);
        Assert.Equal(CoreLimit(Environment.ProcessId), CoreLimit(int.Parse(report["pid"], System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>The directives deploy/HARDENING.md marks as reaching sessions.</summary>
    private static HashSet<string> ReachingDirectives()
    {
        var table = File.ReadAllLines(Path.Combine(ToolingTests.RepositoryRoot(), "deploy", "HARDENING.md"))
            .Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            .Where(cells => cells[2].StartsWith("yes", StringComparison.Ordinal));
        return table.SelectMany(cells => DirectiveName().Matches(cells[1]).Select(m => m.Groups[1].Value)).ToHashSet();
    }

    private static string CoreLimit(int pid) =>
        File.ReadLines($"/proc/{pid}/limits").Single(l => l.StartsWith("Max core file size", StringComparison.Ordinal));

    private static async Task<Dictionary<string, string>> ReportAsync(string path)
    {
        await Wait.UntilAsync(() => File.Exists(path), "the backend reports");
        return (await File.ReadAllLinesAsync(path)).TakeWhile(l => l != "env:").Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
    }

    [GeneratedRegex(@"`([A-Za-z]+)=")]
    private static partial Regex DirectiveName();
}
