using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using SessionManager.Sessions.Registry;
using Xunit.Abstractions;

namespace SessionManager.IntegrationTests;

/// <summary>
/// smctl, the built program, against a real daemon over its real control socket, with sessions
/// logged on as the ogon RDS does: as root, as a member of Control:AdminGroup (smtest3, through
/// a supplementary group) and as a plain user (smload01, in no admin group: own sessions only).
/// </summary>
[Collection(SessionTestGroup.Name)]
public sealed class SmctlTests(ITestOutputHelper output)
{
    private const string LoadPassword = "Pw-smload!";

    private static async Task<(SessionRig Rig, Smctl Ctl)> StartAsync(params string[] settings)
    {
        var socket = Smctl.NewSocketPath();
        var rig = await SessionRig.StartAsync([$"Control:SocketPath={socket}", "Control:AdminGroup=smtestgrp", .. settings]);
        return (rig, new Smctl(socket));
    }

    private static int IdOf(SessionRig rig, string user) => rig.Daemon.Sessions.SessionsOf(user).Single().Id;

    [RootFact]
    public async Task Every_verb_as_root_with_tables_json_and_exit_codes()
    {
        var (rig, ctl) = await StartAsync();
        await using var _ = rig;
        try
        {
            Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
            Assert.True((await rig.LogonAsync(2, "smload01", LoadPassword)).Succeeded);
            int s1 = IdOf(rig, "smtest1"), s2 = IdOf(rig, "smload01");

            var status = await ctl.RunAsync("status");
            output.WriteLine($"$ smctl status\n{status.Stdout}");
            Assert.True(status.ExitCode == 0, status.ToString());
            Assert.Contains("RDS link: connected", status.Stdout);
            Assert.Contains("Sessions: 2 (2 Active)", status.Stdout);
            Assert.Contains("Draining: no", status.Stdout);
            var statusJson = (await ctl.RunAsync("status", "--json")).Json;
            Assert.True(statusJson.GetProperty("link").GetProperty("connected").GetBoolean());
            Assert.Equal(2, statusJson.GetProperty("sessionCount").GetInt32());
            Assert.Equal(1, statusJson.GetProperty("link").GetProperty("generation").GetInt64());

            var list = await ctl.RunAsync("list-sessions");
            output.WriteLine($"$ smctl list-sessions\n{list.Stdout}");
            Assert.Equal(0, list.ExitCode);
            Assert.StartsWith("SESSION USER", list.Stdout);
            Assert.Contains("2 sessions listed.", list.Stdout);
            Assert.Contains("smload01", list.Stdout);
            var bare = await ctl.RunAsync("list-sessions", "--no-legend");
            Assert.Equal(2, bare.Lines.Length);
            Assert.StartsWith($"{s1} ", bare.Lines[0]);
            var listJson = (await ctl.RunAsync("list-sessions", "--json")).Json;
            Assert.Equal(["smtest1", "smload01"], listJson.EnumerateArray().Select(e => e.GetProperty("user").GetString()));

            var show = await ctl.RunAsync("show-session", $"{s1}");
            Assert.Contains("User=smtest1", show.Lines);
            Assert.Contains("State=Active", show.Lines);
            Assert.Contains($"BackendPid={rig.Daemon.Sessions.Find(s1)!.BackendPid}", show.Lines);
            // In the properties' order, as loginctl.
            Assert.Equal(["smtest1", "Active"], (await ctl.RunAsync("show-session", $"{s1}", "-p", "State", "-p", "User", "--value")).Lines);
            Assert.Equal(2, (await ctl.RunAsync("show-session", $"{s1}", "-p", "NoSuchProperty")).ExitCode);
            Assert.Equal("smtest1", (await ctl.RunAsync("show-session", $"{s1}", "--json")).Json.GetProperty("user").GetString());

            var users = await ctl.RunAsync("list-users");
            Assert.Contains("smload01", users.Stdout);
            Assert.Contains("2 users listed.", users.Stdout);
            Assert.Equal(2, (await ctl.RunAsync("list-users", "--json")).Json.GetArrayLength());

            var sent = await ctl.RunAsync("send-message", $"{s1}", "Maintenance", "Back at 10");
            Assert.True(sent.ExitCode == 0, sent.ToString());
            var box = rig.RequestsOfType(MsgType.Message).Select(r => MessageRequest.Parser.ParseFrom(r.Payload)).Single();
            Assert.Equal((1u, "Maintenance", "Back at 10"), (box.ConnectionId, box.Parameter1, box.Parameter2));

            var kill = await ctl.RunAsync("kill", $"{s2}", "--signal", "CONT");
            Assert.True(kill.ExitCode == 0, kill.ToString());
            Assert.Contains("SIGCONT", kill.Stdout);
            Assert.Equal(2, (await ctl.RunAsync("kill", $"{s2}", "--signal", "SEGV")).ExitCode);

            var missing = await ctl.RunAsync("show-session", "999");
            Assert.Equal(5, missing.ExitCode);
            Assert.Equal("smctl: no session 999\n", missing.Stderr);
            Assert.Equal(2, (await ctl.RunAsync("logoff")).ExitCode);
            Assert.Equal(2, (await ctl.RunAsync("no-such-verb")).ExitCode);

            var disconnect = await ctl.RunAsync("disconnect", $"{s1}");
            Assert.True(disconnect.ExitCode == 0, disconnect.ToString());
            Assert.Equal(SessionState.Disconnected, rig.Daemon.Sessions.Find(s1)!.State);
            Assert.Single(rig.RequestsOfType(MsgType.LogoffUserSession));
            Assert.Equal(1, (await ctl.RunAsync("disconnect", $"{s1}")).ExitCode);

            var byUser = await ctl.RunAsync("logoff", "--user", "smtest1", "--json");
            Assert.True(byUser.ExitCode == 0, byUser.ToString());
            Assert.Equal([s1], byUser.Json.GetProperty("sessionIds").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Null(rig.Daemon.Sessions.Find(s1));

            Assert.Equal(0, (await ctl.RunAsync("logoff", "--all")).ExitCode);
            Assert.Empty(rig.Daemon.Sessions.All());
            Assert.Equal(0, (await ctl.RunAsync("list-sessions", "--json")).Json.GetArrayLength());
        }
        finally
        {
            Smctl.RemoveDirectory(ctl.SocketPath);
        }
    }

    [RootFact]
    public async Task An_admin_group_member_acts_on_every_session_and_a_plain_user_on_their_own_only()
    {
        var (rig, ctl) = await StartAsync();
        await using var _ = rig;
        try
        {
            Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
            Assert.True((await rig.LogonAsync(2, "smload01", LoadPassword)).Succeeded);
            int theirs = IdOf(rig, "smtest1"), own = IdOf(rig, "smload01");

            // smtest3: in smtestgrp only as a supplementary group, and without sessions of its own.
            var adminList = await ctl.RunAsAsync("smtest3", "list-sessions", "--json");
            Assert.True(adminList.ExitCode == 0, adminList.ToString());
            Assert.Equal(2, adminList.Json.GetArrayLength());
            Assert.Equal(0, (await ctl.RunAsAsync("smtest3", "show-session", $"{own}")).ExitCode);
            Assert.Equal(0, (await ctl.RunAsAsync("smtest3", "disconnect", $"{own}")).ExitCode);
            Assert.Equal(SessionState.Disconnected, rig.Daemon.Sessions.Find(own)!.State);

            // smload01: sees and acts on its own session only.
            var plainList = await ctl.RunAsAsync("smload01", "list-sessions", "--json");
            Assert.True(plainList.ExitCode == 0, plainList.ToString());
            Assert.Equal([own], plainList.Json.EnumerateArray().Select(e => e.GetProperty("id").GetInt32()));
            Assert.Equal(["smload01"], (await ctl.RunAsAsync("smload01", "list-users", "--json")).Json.EnumerateArray().Select(e => e.GetProperty("user").GetString()));
            Assert.Equal(0, (await ctl.RunAsAsync("smload01", "status")).ExitCode);
            foreach (var refused in new[]
            {
                new[] { "show-session", $"{theirs}" }, ["disconnect", $"{theirs}"], ["logoff", $"{theirs}"], ["kill", $"{theirs}"],
                ["send-message", $"{theirs}", "t", "x"], ["logoff", "--user", "smtest1"], ["logoff", "--all"], ["drain"], ["undrain"], ["reload"],
            })
            {
                var result = await ctl.RunAsAsync("smload01", refused);
                Assert.True(result.ExitCode == 4, $"{string.Join(' ', refused)}: {result}");
                Assert.StartsWith("smctl: permission denied", result.Stderr);
            }

            Assert.Equal(SessionState.Active, rig.Daemon.Sessions.Find(theirs)!.State);
            Assert.Contains(rig.Daemon.Logs.Events, e => e.MessageTemplate.Text.StartsWith("smctl {Verb} by uid {Uid} (pid {Pid}) refused", StringComparison.Ordinal));
            Assert.Equal(0, (await ctl.RunAsAsync("smload01", "show-session", $"{own}")).ExitCode);
            var logoff = await ctl.RunAsAsync("smload01", "logoff", $"{own}");
            Assert.True(logoff.ExitCode == 0, logoff.ToString());
            Assert.Null(rig.Daemon.Sessions.Find(own));
        }
        finally
        {
            Smctl.RemoveDirectory(ctl.SocketPath);
        }
    }

    [RootFact]
    public async Task Drain_refuses_new_sessions_and_keeps_reconnects_until_undrain()
    {
        var (rig, ctl) = await StartAsync();
        await using var _ = rig;
        try
        {
            Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
            await rig.Rds.RequestAsync((uint)MsgType.DisconnectUserSession, new DisconnectUserSessionRequest { ConnectionId = 1 });
            int s1 = IdOf(rig, "smtest1");

            var drain = await ctl.RunAsAsync("smtest3", "drain");
            Assert.True(drain.ExitCode == 0, drain.ToString());
            Assert.Contains("Draining: yes", (await ctl.RunAsync("status")).Stdout);

            Assert.False((await rig.LogonAsync(2, "smtest2", SessionRig.Password2)).Succeeded);
            Assert.Empty(rig.Daemon.Sessions.SessionsOf("smtest2"));
            Assert.Contains(rig.Daemon.Logs.Events, e => e.Properties.TryGetValue("EventId", out var id) && id.ToString().Contains("3590", StringComparison.Ordinal));
            Assert.True((await rig.LogonAsync(3, "smtest1", SessionRig.Password1)).Succeeded);
            Assert.Equal((s1, SessionState.Active), (IdOf(rig, "smtest1"), rig.Daemon.Sessions.Find(s1)!.State));

            Assert.Equal(0, (await ctl.RunAsync("undrain")).ExitCode);
            Assert.True((await rig.LogonAsync(4, "smtest2", SessionRig.Password2)).Succeeded);
        }
        finally
        {
            Smctl.RemoveDirectory(ctl.SocketPath);
        }
    }

    [RootFact]
    public async Task Status_exits_6_while_the_RDS_link_is_down_and_3_once_the_daemon_is_gone()
    {
        var socket = Smctl.NewSocketPath();
        var ctl = new Smctl(socket);
        try
        {
            var daemon = await Daemon.StartAsync($"Control:SocketPath={socket}");
            await using (daemon)
            {
                Assert.Equal((UnixFileMode)0b110_110_110, File.GetUnixFileMode(socket));
                Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(Path.GetDirectoryName(socket)!));
                var down = await ctl.RunAsAsync("smload01", "status");
                Assert.True(down.ExitCode == 6, down.ToString());
                Assert.Contains("RDS link: DOWN (never connected)", down.Stdout);
            }

            var gone = await ctl.RunAsync("status");
            Assert.Equal(3, gone.ExitCode);
            Assert.StartsWith("smctl: the session manager is not running", gone.Stderr);
        }
        finally
        {
            Smctl.RemoveDirectory(socket);
        }
    }

    [RootFact]
    public async Task Reload_runs_the_daemons_reload_and_says_what_it_took_or_why_it_refused()
    {
        var socket = Smctl.NewSocketPath();
        var ctl = new Smctl(socket);
        using var dir = new TempDirectory();
        string file = Path.Combine(dir.Path, "settings.json");
        await File.WriteAllTextAsync(file, """{ "VirtualChannels": { "Denied": [ "rdpdr" ] } }""");
        try
        {
            await using var daemon = await Daemon.StartAsync($"Config:File={file}", $"Control:SocketPath={socket}");

            await File.WriteAllTextAsync(file, """{ "VirtualChannels": { "Denied": [ "cliprdr" ] } }""");
            var taken = await ctl.RunAsync("reload");
            Assert.True(taken.ExitCode == 0, taken.ToString());
            Assert.Contains("VirtualChannels:Denied", taken.Stdout, StringComparison.Ordinal);

            await File.WriteAllTextAsync(file, """{ "Sessions": { "LogonBudget": "00:00:30" } }""");
            var refused = await ctl.RunAsync("reload");
            Assert.True(refused.ExitCode == 1, refused.ToString());
            Assert.Contains("Sessions:LogonBudget", refused.Stdout + refused.Stderr, StringComparison.Ordinal);
            Assert.Single(daemon.Logs.WithEventName("ConfigurationReloadRefused"));
        }
        finally
        {
            Smctl.RemoveDirectory(socket);
        }
    }

    [RootFact]
    public async Task Reload_goes_to_the_configured_reloader_for_admins_only()
    {
        var socket = Smctl.NewSocketPath();
        var ctl = new Smctl(socket);
        var reloader = new CountingReloader();
        try
        {
            await using var daemon = await Daemon.StartAsync(
                services => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<SessionManager.Control.Reload.IConfigurationReloader>(services, reloader),
                $"Control:SocketPath={socket}", "Control:AdminGroup=smtestgrp");
            Assert.Equal(4, (await ctl.RunAsAsync("smload01", "reload")).ExitCode);
            var reload = await ctl.RunAsAsync("smtest2", "reload");
            Assert.True(reload.ExitCode == 0, reload.ToString());
            Assert.Equal("configuration reloaded (test)\n", reload.Stdout);
            Assert.Equal(1, reloader.Calls);
        }
        finally
        {
            Smctl.RemoveDirectory(socket);
        }
    }

    [RootFact]
    public async Task The_control_socket_answers_malformed_oversized_and_other_version_requests_with_one_line_and_closes()
    {
        var socket = Smctl.NewSocketPath();
        try
        {
            await using var daemon = await Daemon.StartAsync($"Control:SocketPath={socket}");
            async Task<string> ask(byte[] request)
            {
                using var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                await client.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(socket));
                try
                {
                    await client.SendAsync(request);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    // An oversized request is answered before it is all sent, and the rest refused.
                }

                using var answer = new MemoryStream();
                var buffer = new byte[4096];
                int read;
                try
                {
                    while ((read = await client.ReceiveAsync(buffer)) > 0)
                    {
                        answer.Write(buffer, 0, read);
                    }
                }
                catch (System.Net.Sockets.SocketException ex) when (ex.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionReset)
                {
                    // The daemon closed with the oversized rest unread: Linux then resets, after the answer.
                }

                return System.Text.Encoding.UTF8.GetString(answer.ToArray());
            }

            Assert.Contains("\"outcome\":\"BadRequest\"", await ask("not json\n"u8.ToArray()));
            Assert.Contains("\"outcome\":\"BadRequest\"", await ask([.. System.Text.Encoding.UTF8.GetBytes($"{{\"verb\":\"Status\",\"text\":\"{new string('x', 20000)}\"}}\n")]));
            Assert.Contains("\"outcome\":\"UnsupportedVersion\"", await ask("{\"version\":2,\"verb\":\"Status\"}\n"u8.ToArray()));
            string ok = await ask("{\"version\":1,\"verb\":\"Status\"}\n"u8.ToArray());
            Assert.EndsWith("\n", ok);
            Assert.Contains("\"outcome\":\"Ok\"", ok);
        }
        finally
        {
            Smctl.RemoveDirectory(socket);
        }
    }

    [Fact]
    public async Task The_default_reloader_raises_SIGHUP_in_a_process_that_handles_it()
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var handler = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            received.TrySetResult();
        });

        var result = await new SessionManager.Control.Reload.SignalConfigurationReloader().ReloadAsync(CancellationToken.None);

        Assert.True(result.Done, result.Message);
        Assert.StartsWith("reload requested", result.Message);
        await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private sealed class CountingReloader : SessionManager.Control.Reload.IConfigurationReloader
    {
        public int Calls;

        public Task<SessionManager.Control.Reload.ReloadResult> ReloadAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return Task.FromResult(new SessionManager.Control.Reload.ReloadResult(true, "configuration reloaded (test)"));
        }
    }
}
