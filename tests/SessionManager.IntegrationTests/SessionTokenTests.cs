using SessionManager.Testing;
using SessionManager.FdsApi.Handler;
using SessionManager.IntegrationTests.Support;

namespace SessionManager.IntegrationTests;

/// <summary>
/// Tokens on the wire, through a real Thrift client: the session token of the token file, logon
/// tokens from logonConnection (real PAM), permission levels, and negative answers when denied.
/// </summary>
[Collection(SessionTestGroup.Name)]
public sealed class SessionTokenTests
{
    [RootFact]
    public async Task A_session_token_acts_on_its_own_session_and_a_guest_on_no_other()
    {
        await using var rig = await SessionRig.StartAsync("FdsApi:RequireToken=true");
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
        Assert.True((await rig.LogonAsync(2, "smtest2", SessionRig.Password2)).Succeeded);
        string token1 = (await File.ReadAllLinesAsync(Path.Combine(rig.Daemon.DataDirectory, "ogon.session.2")))[0];
        using var client = await rig.Daemon.ClientAsync();

        Assert.Equal("vc:1:rdpdr", (await client.virtualChannelOpen(token1, 2, "rdpdr", false, 0)).PipeName);
        Assert.Equal("vc:1:cliprdr", (await client.virtualChannelOpen(token1, TokenCallGateCurrentSession, "cliprdr", false, 0)).PipeName);
        Assert.Equal("", (await client.virtualChannelOpen(token1, 3, "rdpdr", false, 0)).PipeName);
        Assert.Equal("", (await client.virtualChannelOpen("", 2, "rdpdr", false, 0)).PipeName);
        Assert.False(await client.disconnectSession("wrong", 2, true));
        Assert.Equal(PermissionFlags.Guest, await client.getPermissionForToken(token1));
        Assert.Equal(0, await client.getPermissionForToken("wrong"));

        var listed = await client.enumerateSessions(token1, 1);
        Assert.Equal([2], listed.SessionInfoList!.Select(s => s.SessionId));
        var denied = await rig.Daemon.Logs.WaitForAsync("CallDenied");
        Assert.DoesNotContain(rig.Daemon.Logs.Events, e => e.RenderMessage().Contains(token1, StringComparison.Ordinal));
        Assert.NotNull(denied);
    }

    [RootFact]
    public async Task A_logon_token_from_logonConnection_reaches_the_users_sessions_until_it_is_revoked()
    {
        await using var rig = await SessionRig.StartAsync("FdsApi:RequireToken=true", "Policies:Users:smtest1:Permissions:Level=USER");
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
        Assert.True((await rig.LogonAsync(2, "smtest2", SessionRig.Password2)).Succeeded);
        using var client = await rig.Daemon.ClientAsync();

        var wrong = await client.logonConnection("smtest1", "nope", "");
        // Credentials PAM cannot be given are a failed logon, not a failed call.
        var unusable = await client.logonConnection("smtest1", SessionRig.Password1 + "\0", "");
        var tooLong = await client.logonConnection(new string('u', 300), SessionRig.Password1, "");
        var logon = await client.logonConnection("smtest1", SessionRig.Password1, "");

        Assert.False(wrong.Success);
        Assert.False(unusable.Success);
        Assert.False(tooLong.Success);
        Assert.Equal("", wrong.AuthToken);
        Assert.True(logon.Success);
        Assert.True(logon.AuthToken!.Length >= 32);
        Assert.Equal(PermissionFlags.User, await client.getPermissionForToken(logon.AuthToken));
        Assert.Equal("vc:1:rdpdr", (await client.virtualChannelOpen(logon.AuthToken, 2, "rdpdr", false, 0)).PipeName);
        Assert.Equal("", (await client.virtualChannelOpen(logon.AuthToken, 3, "rdpdr", false, 0)).PipeName); // USER has no VIRTUAL_CHANNEL
        Assert.Equal([2, 3], (await client.enumerateSessions(logon.AuthToken, 1)).SessionInfoList!.Select(s => s.SessionId).Order()); // USER has QUERY_INFORMATION

        Assert.True(await client.logoffConnection(logon.AuthToken));
        Assert.Equal(0, await client.getPermissionForToken(logon.AuthToken));
        Assert.Equal("", (await client.virtualChannelOpen(logon.AuthToken, 2, "rdpdr", false, 0)).PipeName);
        Assert.DoesNotContain(rig.Daemon.Logs.Events, e => e.RenderMessage().Contains(logon.AuthToken, StringComparison.Ordinal) || e.RenderMessage().Contains(SessionRig.Password1, StringComparison.Ordinal));
    }

    [RootFact]
    public async Task Ogons_client_stack_over_TSSLSocket_calls_getVersionInfo_then_virtualChannelOpen_with_a_session_token()
    {
        await using var rig = await SessionRig.StartAsync("FdsApi:RequireToken=true");
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
        string token = (await File.ReadAllLinesAsync(Path.Combine(rig.Daemon.DataDirectory, "ogon.session.2")))[0];

        // Apache Thrift's C++ TSSLSocket, framed binary, as libogon-otsapi connects (tests/interop).
        using var process = InteropPeer.Start(InteropPeer.Binary("fdsapi_client"),
            "--host", "127.0.0.1", "--port", rig.Daemon.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--transport", "framed", "--protocol", "binary", "--tls", "1", "--token", token,
            "virtualChannelOpen", "2", "rdpdr", "0", "0");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(process.ExitCode == 0, await output + await error);
        Assert.Equal(["version=1.1", "pipeName=vc:1:rdpdr instance=7"], (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var served = await rig.Daemon.Logs.WaitForAsync("TlsClient");
        Assert.NotNull(served);
    }

    /// <summary>WTS_CURRENT_SESSION as a Thrift i32.</summary>
    [RootFact]
    public async Task Calls_in_flight_are_bounded_per_token_in_the_daemon()
    {
        // Issue 20 item 1 through the daemon's own connection set-up: each fdsapi connection
        // builds its handler's dependencies, and the per-token count must survive that (it did
        // not: every call was counted as made without a token).
        await using var rig = await SessionRig.StartAsync("FdsApi:RequireToken=true", "Icp:MaxPendingCalls=16",
            "Icp:MaxPendingCallsPerSession=8", "Icp:MaxPendingCallsPerToken=2");
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
        string token = (await File.ReadAllLinesAsync(Path.Combine(rig.Daemon.DataDirectory, "ogon.session.2")))[0];
        // An RDS server whose boxes stay open until somebody clicks.
        rig.Rds.Answer = request => request.MsgType == (uint)SessionManager.Icp.Protocol.MsgType.Message ? null : StandardRdsAnswers.Answer(request);
        using var client = await rig.Daemon.ClientAsync();

        Assert.Equal(32001, await client.sendMessage(token, 2, "Hello", "box 1", 0, 0, false));
        Assert.Equal(32001, await client.sendMessage(token, 2, "Hello", "box 2", 0, 0, false));
        var refused = await Assert.ThrowsAsync<Thrift.TApplicationException>(() => client.sendMessage(token, 2, "Hello", "box 3", 0, 0, false));

        Assert.Contains("(Icp:MaxPendingCallsPerToken)", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(rig.Daemon.Logs.Events, e => e.RenderMessage().Contains(token, StringComparison.Ordinal));
    }

    private const int TokenCallGateCurrentSession = -1;
}
