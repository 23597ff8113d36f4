using Google.Protobuf;
using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using SessionManager.Sessions.Registry;
using SessionManager.Testing.BackendProtocol;

namespace SessionManager.IntegrationTests;

/// <summary>
/// ReconnectUser (19, SESSIONS.md §9): the daemon issues no auto-reconnect cookies, so it is
/// answered as a LogonUser without credentials, with the greeter, whatever session it names.
/// </summary>
[Collection(SessionTestGroup.Name)]
public sealed class SessionReconnectUserTests
{
    [RootFact]
    public async Task ReconnectUser_naming_a_users_session_gets_the_greeter_not_that_session()
    {
        await using var rig = await SessionRig.StartAsync();
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);
        await rig.Rds.RequestAsync((uint)MsgType.DisconnectUserSession, new DisconnectUserSessionRequest { ConnectionId = 1 });

        var answer = await rig.Rds.RequestAsync((uint)MsgType.ReconnectUser, new ReconnectUserRequest
        {
            ConnectionId = 2,
            SessionId = 2,
            ClientRandom = ByteString.CopyFrom(new byte[32]),
            ClientCookie = ByteString.CopyFrom(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray()),
            Width = 1024,
            Height = 768,
            ColorDepth = 32,
            ClientHostName = "pc1",
            ClientAddress = "192.0.2.10",
            ClientBuildNumber = 2600,
            ClientProductId = 1,
            ClientHardwareId = 0,
            ClientProtocolType = 2,
        });

        Assert.Equal(RPCStatus.Success, answer.Status);
        var logon = LogonUserResponse.Parser.ParseFrom(answer.Payload);
        Assert.Equal(@"\\.\pipe\ogon_3_Qt", logon.ServiceEndpoint);
        var greeter = rig.Daemon.Sessions.Find(3)!;
        Assert.Equal((true, SessionState.Connected, (uint?)2u), (greeter.IsGreeter, greeter.State, greeter.ConnectionId));
        Assert.Equal((greeter.BackendCookie, greeter.OgonCookie), (logon.BackendCookie, logon.OgonCookie));
        Assert.Equal((SessionState.Disconnected, (uint?)null), (rig.Daemon.Sessions.Find(2)!.State, rig.Daemon.Sessions.Find(2)!.ConnectionId));
        var exchange = await BackendEndpointClient.ActivateLikeOgonAsync(logon.ServiceEndpoint, new BackendActivation(logon.OgonCookie, logon.BackendCookie, 1024, 768, 2), rig.PipeDirectory);
        Assert.Equal(BackendExchangeOutcome.Ok, exchange.Outcome);
    }
}
