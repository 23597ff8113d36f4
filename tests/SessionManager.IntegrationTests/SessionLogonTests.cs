using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using SessionManager.Sessions.Registry;
using SessionManager.Testing.BackendProtocol;

namespace SessionManager.IntegrationTests;

/// <summary>
/// Whole logons as an unmodified ogon RDS drives them (SESSIONS.md §1), through real PAM, the
/// real launcher and the stand-in backend run as the test users.
/// </summary>
[Collection(SessionTestGroup.Name)]
public sealed class SessionLogonTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [RootFact]
    public async Task A_new_user_gets_a_session_whose_backend_runs_as_them_and_answers_the_RDS_cookie_exchange()
    {
        await using var rig = await SessionRig.StartAsync();

        var result = await rig.LogonAsync(1, "smtest1", SessionRig.Password1).WaitAsync(Patience);

        Assert.True(result.Succeeded, result.RefusedBecause ?? result.Backend?.Detail);
        Assert.Equal(@"\\.\pipe\ogon_2_X11", result.Logon!.ServiceEndpoint);
        Assert.Equal((1920u, 1200u), (result.Logon.MaxWidth, result.Logon.MaxHeight));
        Assert.Equal(BackendExchangeOutcome.Ok, result.Backend!.Outcome);
        var session = rig.Daemon.Sessions.Find(2)!;
        Assert.Equal((SessionState.Active, "smtest1", 1u), (session.State, session.User, session.ConnectionId));

        var report = await rig.ReportAsync(2);
        var account = await Account.OfAsync("smtest1");
        Assert.Equal(account.Uid.ToString(), report["uid"]);
        Assert.Equal(account.Gid.ToString(), report["gid"]);
        Assert.Contains(Account.GroupId("smtestgrp").ToString(), report["groups"].Split(','));
        Assert.Equal(account.Home, report["cwd"]);
        Assert.Equal(report["pid"], report["pgid"]);
        Assert.Equal(report["pid"], report["sid"]);
        Assert.Equal("2", report["env:OGON_SID"]);
        Assert.Equal(session.OgonCookie, report["env:OGON_COOKIE"]);
        Assert.Equal(session.BackendCookie, report["env:OGON_BACKEND_COOKIE"]);
        Assert.Equal("smtest1", report["env:USER"]);
        Assert.Equal("1920x1200", report["env:OGON_SMAX"]);
        Assert.Equal("pc1", report["env:OGON_SESSION_CLIENT_NAME"]);
        Assert.True(session.BackendCookie.Length >= 22 && session.OgonCookie != session.BackendCookie);

        // The in-session token file: the user's, 0400, its token on the first line.
        string tokenFile = Path.Combine(rig.Daemon.DataDirectory, "ogon.session.2");
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(tokenFile));
        Assert.Equal(account.Uid, await Account.OwnerOfAsync(tokenFile));
        Assert.True((await File.ReadAllLinesAsync(tokenFile))[0].Length >= 22);
    }

    [RootFact]
    public async Task After_a_disconnect_the_same_user_reconnects_to_the_same_session_and_backend()
    {
        await using var rig = await SessionRig.StartAsync();
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
        int pid = rig.Daemon.Sessions.Find(2)!.BackendPid!.Value;

        var disconnected = await rig.Rds.RequestAsync((uint)MsgType.DisconnectUserSession, new DisconnectUserSessionRequest { ConnectionId = 1 });
        Assert.True(DisconnectUserSessionResponse.Parser.ParseFrom(disconnected.Payload).Disconnected);
        Assert.Equal(SessionState.Disconnected, rig.Daemon.Sessions.Find(2)!.State);

        var again = await rig.LogonAsync(5, "smtest1", SessionRig.Password1);

        Assert.True(again.Succeeded, again.RefusedBecause);
        Assert.Equal(@"\\.\pipe\ogon_2_X11", again.Logon!.ServiceEndpoint);
        var session = rig.Daemon.Sessions.Find(2)!;
        Assert.Equal((SessionState.Active, 5u, pid), (session.State, session.ConnectionId, session.BackendPid!.Value));
        Assert.True(SessionRig.ProcessExists(pid));
        Assert.Single(rig.Daemon.Sessions.All());
    }

    [RootFact]
    public async Task A_second_logon_of_an_active_user_takes_the_session_over_closing_the_old_connection_first()
    {
        await using var rig = await SessionRig.StartAsync();
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);

        var second = await rig.LogonAsync(2, "smtest1", SessionRig.Password1, clientHost: "pc2");

        Assert.True(second.Succeeded, second.RefusedBecause);
        var logoff = Assert.Single(rig.RequestsOfType(MsgType.LogoffUserSession));
        Assert.Equal(1u, LogoffUserSessionRequest.Parser.ParseFrom(logoff.Payload).ConnectionId);
        Assert.Equal((2u, SessionState.Active), (rig.Daemon.Sessions.Find(2)!.ConnectionId, rig.Daemon.Sessions.Find(2)!.State));
    }

    [RootTheory]
    [InlineData(2000)]  // longer than PAM's conversation is given
    [InlineData(-1)]    // the right password with a NUL after it
    public async Task A_password_PAM_cannot_be_given_is_a_failed_authentication_answered_with_the_greeter_and_no_error(int length)
    {
        await using var rig = await SessionRig.StartAsync();
        string password = length < 0 ? SessionRig.Password1 + "\0x" : new string('p', length);

        var greeter = await rig.LogonAsync(1, "smtest1", password).WaitAsync(Patience);

        Assert.True(greeter.Succeeded, greeter.RefusedBecause);
        Assert.Equal(@"\\.\pipe\ogon_2_Qt", greeter.Logon!.ServiceEndpoint);
        var failure = await rig.Daemon.Logs.WaitForAsync("AuthenticationFailure");
        Assert.Contains("not acceptable", failure.RenderMessage(), StringComparison.Ordinal);
        Assert.Empty(rig.Daemon.Logs.Events.Where(e => e.Level >= Serilog.Events.LogEventLevel.Error).Select(e => e.RenderMessage()));
    }

    [RootFact]
    public async Task Control_characters_a_peer_sends_in_the_client_and_user_names_do_not_reach_the_backend()
    {
        await using var rig = await SessionRig.StartAsync();

        var greeter = await rig.LogonAsync(1, "smt\0est1\u001b", "wrong password", clientHost: "pc\0\u001b[31m1").WaitAsync(Patience);

        Assert.True(greeter.Succeeded, greeter.RefusedBecause);
        var report = await rig.ReportAsync(2);
        Assert.Equal("pc[31m1", report["env:OGON_SESSION_CLIENT_NAME"]);
        Assert.Equal("smtest1", report["env:OGON_USER"]);
        Assert.Empty(rig.Daemon.Logs.Events.Where(e => e.Level >= Serilog.Events.LogEventLevel.Error).Select(e => e.RenderMessage()));
    }

    [RootFact]
    public async Task A_wrong_password_gets_the_greeter_whose_login_switches_the_connection_to_the_users_session()
    {
        await using var rig = await SessionRig.StartAsync();

        var greeter = await rig.LogonAsync(1, "smtest2", "wrong password");

        Assert.True(greeter.Succeeded, greeter.RefusedBecause);
        Assert.Equal(@"\\.\pipe\ogon_2_Qt", greeter.Logon!.ServiceEndpoint);
        var greeterSession = rig.Daemon.Sessions.Find(2)!;
        Assert.Equal((SessionState.Connected, true, "nobody"), (greeterSession.State, greeterSession.IsGreeter, greeterSession.User));
        Assert.Equal("smtest2", (await rig.ReportAsync(2))["env:OGON_USER"]);
        Assert.Equal((await Account.OfAsync("nobody")).Uid.ToString(), (await rig.ReportAsync(2))["uid"]);

        var version = await rig.Rds.RequestAsync((uint)MsgType.SbpVersionInfo, new VersionInfoRequest { SessionId = 2, Vmajor = 1, Vminor = 0 });
        Assert.Equal((1u, 1u), (VersionInfoResponse.Parser.ParseFrom(version.Payload).Vmajor, VersionInfoResponse.Parser.ParseFrom(version.Payload).Vminor));
        var bad = await rig.Rds.RequestAsync((uint)MsgType.AuthenticateUser, new AuthenticateUserRequest { SessionId = 2, Username = "smtest2", Password = "still wrong", Domain = "" });
        Assert.Equal(AuthenticateUserResponse.Types.AUTH_STATUS.AuthBadCredentials, AuthenticateUserResponse.Parser.ParseFrom(bad.Payload).AuthStatus);

        var good = await rig.Rds.RequestAsync((uint)MsgType.AuthenticateUser, new AuthenticateUserRequest { SessionId = 2, Username = "smtest2", Password = SessionRig.Password2, Domain = "" });

        Assert.Equal(RPCStatus.Success, good.Status);
        Assert.Equal(AuthenticateUserResponse.Types.AUTH_STATUS.AuthSuccessful, AuthenticateUserResponse.Parser.ParseFrom(good.Payload).AuthStatus);
        var switchTo = SwitchToRequest.Parser.ParseFrom(Assert.Single(rig.RequestsOfType(MsgType.SwitchTo)).Payload);
        var user = rig.Daemon.Sessions.All().Single(s => !s.IsGreeter);
        Assert.Equal((1u, @"\\.\pipe\" + user.PipeName, user.BackendCookie, user.OgonCookie), (switchTo.ConnectionId, switchTo.ServiceEndpoint, switchTo.BackendCookie, switchTo.OgonCookie));
        Assert.Equal((SessionState.Active, 1u, "smtest2"), (user.State, user.ConnectionId, user.User));
        await Wait.UntilAsync(() => rig.Daemon.Sessions.Find(2) is null, "the greeter session ends");
        var exchange = await BackendEndpointClient.ActivateLikeOgonAsync(switchTo.ServiceEndpoint, new BackendActivation(switchTo.OgonCookie, switchTo.BackendCookie, 1024, 768, 1), rig.PipeDirectory);
        Assert.Equal(BackendExchangeOutcome.Ok, exchange.Outcome);
    }

    [RootFact]
    public async Task Ending_the_greeter_closes_its_connection_and_ends_it()
    {
        await using var rig = await SessionRig.StartAsync();
        Assert.True((await rig.LogonAsync(1, "", "")).Succeeded);
        int pid = rig.Daemon.Sessions.Find(2)!.BackendPid!.Value;

        var ended = await rig.Rds.RequestAsync((uint)MsgType.EndSession, new EndSessionRequest { SessionId = 2 });

        Assert.True(EndSessionResponse.Parser.ParseFrom(ended.Payload).Success);
        Assert.Null(rig.Daemon.Sessions.Find(2));
        Assert.Equal(1u, LogoffUserSessionRequest.Parser.ParseFrom(Assert.Single(rig.RequestsOfType(MsgType.LogoffUserSession)).Payload).ConnectionId);
        await Wait.UntilAsync(() => !SessionRig.ProcessExists(pid), "the greeter's backend is gone");
    }

    [RootFact]
    public async Task Without_a_greeter_a_wrong_password_fails_the_logon_naming_why()
    {
        await using var rig = await SessionRig.StartAsync("Sessions:Greeter=");

        var result = await rig.LogonAsync(1, "smtest1", "nope");

        Assert.Equal(RPCStatus.Failed, result.Answers[^1].Status);
        Assert.Contains("no greeter is configured", result.Answers[^1].ErrorDescription, StringComparison.Ordinal);
        Assert.Empty(rig.Daemon.Sessions.All());
        Assert.DoesNotContain(rig.Daemon.Logs.Events, e => e.RenderMessage().Contains("nope", StringComparison.Ordinal));
    }

    [RootFact]
    public async Task A_backend_that_exits_at_once_or_never_listens_fails_the_logon_within_the_budget_leaving_nothing()
    {
        await using var rig = await SessionRig.StartAsync("Backends:desktop:Command:5=--exit-at-once", "Backends:greeter:Command:5=--never-listen", "Backends:greeter:StartTimeout=00:00:01");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var exited = await rig.LogonAsync(1, "smtest1", SessionRig.Password1);
        var silent = await rig.LogonAsync(2, "", "");

        Assert.Contains("exited", exited.Answers[^1].ErrorDescription, StringComparison.Ordinal);
        Assert.Contains("did not create its endpoint", silent.Answers[^1].ErrorDescription, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8 + 8));
        Assert.Empty(rig.Daemon.Sessions.All());
        var greeterReport = await rig.ReportAsync(3);
        await Wait.UntilAsync(() => !SessionRig.ProcessExists(int.Parse(greeterReport["pid"], System.Globalization.CultureInfo.InvariantCulture)), "the silent backend is stopped");
        // Removed once the end (which the answer does not wait for) is through.
        await Wait.UntilAsync(() => !File.Exists(Path.Combine(rig.Daemon.DataDirectory, "ogon.session.2")), "the token file is removed");
    }

    [RootFact]
    public async Task A_squatted_endpoint_path_is_removed_before_the_backend_starts()
    {
        await using var rig = await SessionRig.StartAsync();
        Directory.CreateDirectory(rig.PipeDirectory);
        string squatted = Path.Combine(rig.PipeDirectory, "ogon_2_X11");
        await File.WriteAllTextAsync(squatted, "not a socket");

        var result = await rig.LogonAsync(1, "smtest1", SessionRig.Password1);

        Assert.True(result.Succeeded, result.RefusedBecause);
        Assert.NotNull(await rig.Daemon.Logs.WaitForAsync("StaleEndpointRemoved"));
    }

    [RootFact]
    public async Task When_the_RDS_link_drops_sessions_are_disconnected_and_users_come_back_to_them()
    {
        await using var rig = await SessionRig.StartAsync();
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
        Assert.True((await rig.LogonAsync(2, "", "")).Succeeded);

        await rig.Rds.DisposeAsync();
        await Wait.UntilAsync(() => rig.Daemon.Sessions.Find(2)?.State == SessionState.Disconnected && rig.Daemon.Sessions.Find(3) is null, "the link loss is handled");
        await rig.ReconnectRdsAsync();

        var back = await rig.LogonAsync(1, "smtest1", SessionRig.Password1);

        Assert.True(back.Succeeded, back.RefusedBecause);
        Assert.Equal(@"\\.\pipe\ogon_2_X11", back.Logon!.ServiceEndpoint);
    }

    [RootFact]
    public async Task A_disconnected_session_ends_after_its_timeout_and_its_backend_is_stopped()
    {
        await using var rig = await SessionRig.StartAsync("Sessions:DisconnectedTimeout=00:00:01");
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
        int pid = rig.Daemon.Sessions.Find(2)!.BackendPid!.Value;

        await rig.Rds.RequestAsync((uint)MsgType.DisconnectUserSession, new DisconnectUserSessionRequest { ConnectionId = 1 });

        await Wait.UntilAsync(() => rig.Daemon.Sessions.Find(2) is null, "the session ends", Patience);
        await Wait.UntilAsync(() => !SessionRig.ProcessExists(pid), "its backend is gone", Patience);
        // Removed once the launcher has reported the exit, which may come a moment after the pid is gone.
        await Wait.UntilAsync(() => !File.Exists(Path.Combine(rig.Daemon.DataDirectory, "ogon.session.2")), "its token file is removed", Patience);
    }

    [RootFact]
    public async Task Every_change_of_a_session_is_published_in_order_on_the_event_stream()
    {
        await using var rig = await SessionRig.StartAsync();
        var events = new System.Collections.Concurrent.ConcurrentQueue<SessionEvent>();
        using var subscription = rig.Daemon.Sessions.Events.Subscribe(e =>
        {
            events.Enqueue(e);
            return ValueTask.CompletedTask;
        });

        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
        await rig.Rds.RequestAsync((uint)MsgType.DisconnectUserSession, new DisconnectUserSessionRequest { ConnectionId = 1 });
        Assert.True((await rig.LogonAsync(2, "smtest1", SessionRig.Password1)).Succeeded);
        using (var client = await rig.Daemon.ClientAsync())
        {
            Assert.True(await client.logoffSession("", 2, true));
        }

        await Wait.UntilAsync(() => events.Count >= 5, "five events");
        Assert.Equal(
            [SessionEventKind.Created, SessionEventKind.Connected, SessionEventKind.Disconnected, SessionEventKind.Reconnected, SessionEventKind.Ended],
            events.Select(e => e.Kind));
        Assert.All(events, e => Assert.Equal((2, "smtest1"), (e.Session.Id, e.Session.User)));
        Assert.Equal(SessionState.Down, events.Last().Session.State);
    }

    [RootFact]
    public async Task When_its_backend_exits_the_session_ends_and_its_connection_is_closed()
    {
        await using var rig = await SessionRig.StartAsync();
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
        int pid = rig.Daemon.Sessions.Find(2)!.BackendPid!.Value;

        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await Wait.UntilAsync(() => rig.Daemon.Sessions.Find(2) is null, "the session ends", Patience);
        await Wait.UntilAsync(() => rig.RequestsOfType(MsgType.LogoffUserSession).Count == 1, "its connection is closed");
        Assert.Equal(1u, LogoffUserSessionRequest.Parser.ParseFrom(rig.RequestsOfType(MsgType.LogoffUserSession)[0].Payload).ConnectionId);
        Assert.False(File.Exists(Path.Combine(rig.Daemon.DataDirectory, "ogon.session.2")));
    }

    [RootFact]
    public async Task AuthenticateUser_for_a_session_that_is_not_a_greeter_is_the_wrong_session_state()
    {
        await using var rig = await SessionRig.StartAsync();
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);

        var answer = await rig.Rds.RequestAsync((uint)MsgType.AuthenticateUser, new AuthenticateUserRequest { SessionId = 2, Username = "smtest2", Password = SessionRig.Password2, Domain = "" });
        var unknown = await rig.Rds.RequestAsync((uint)MsgType.AuthenticateUser, new AuthenticateUserRequest { SessionId = 77, Username = "smtest2", Password = SessionRig.Password2, Domain = "" });

        Assert.Equal(AuthenticateUserResponse.Types.AUTH_STATUS.AuthWrongSessionState, AuthenticateUserResponse.Parser.ParseFrom(answer.Payload).AuthStatus);
        Assert.Equal(AuthenticateUserResponse.Types.AUTH_STATUS.AuthWrongSessionState, AuthenticateUserResponse.Parser.ParseFrom(unknown.Payload).AuthStatus);
        Assert.Single(rig.Daemon.Sessions.All());
    }

    [RootFact]
    public async Task A_disconnect_that_arrives_during_the_logon_is_answered_after_it_and_leaves_the_session_disconnected()
    {
        // pam_unix takes a moment: the RDS's DisconnectUserSession (the client gave up) is sent
        // while the LogonUser is still being worked on.
        await using var rig = await SessionRig.StartAsync();
        var logon = rig.Rds.RequestTaggedAsync((uint)MsgType.LogonUser, new LogonUserRequest
        {
            ConnectionId = 4, Username = "smtest1", Password = SessionRig.Password1, Domain = "", Width = 1024, Height = 768, ColorDepth = 32,
            ClientHostName = "pc1", ClientAddress = "192.0.2.10", ClientBuildNumber = 0, ClientProductId = 1, ClientHardwareId = 0, ClientProtocolType = 2,
        }, Patience);
        await Wait.UntilAsync(() => rig.Daemon.Logs.WithEventName("LauncherStarted").Any(), "the logon is under way");
        var disconnect = rig.Rds.RequestTaggedAsync((uint)MsgType.DisconnectUserSession, new DisconnectUserSessionRequest { ConnectionId = 4 }, Patience);

        var logonAnswer = await logon;
        var disconnectAnswer = await disconnect;

        Assert.Equal(RPCStatus.Success, logonAnswer.Status);
        Assert.True(DisconnectUserSessionResponse.Parser.ParseFrom(disconnectAnswer.Payload).Disconnected);
        var session = rig.Daemon.Sessions.Find(2)!;
        Assert.Equal((SessionState.Disconnected, (uint?)null), (session.State, session.ConnectionId));
        Assert.Empty(rig.Rds.UnmatchedResponses);
    }
}
