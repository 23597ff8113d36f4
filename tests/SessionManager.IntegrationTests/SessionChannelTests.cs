using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;

namespace SessionManager.IntegrationTests;

/// <summary>IsChannelAllowed (1) from VirtualChannels:Allowed/Denied, and RemoteControlEnded (15) for a spy we do not know (SESSIONS.md §7).</summary>
[Collection(SessionTestGroup.Name)]
public sealed class SessionChannelTests
{
    [RootFact]
    public async Task A_denied_channel_is_refused_and_the_others_allowed()
    {
        await using var rig = await SessionRig.StartAsync("VirtualChannels:Denied:0=rdpdr");

        Assert.False(await AllowedAsync(rig, "rdpdr"));
        Assert.True(await AllowedAsync(rig, "cliprdr"));
    }

    [RootFact]
    public async Task With_an_allowed_list_only_its_channels_are_allowed()
    {
        await using var rig = await SessionRig.StartAsync("VirtualChannels:Allowed:0=cliprdr");

        Assert.False(await AllowedAsync(rig, "rdpsnd"));
        Assert.True(await AllowedAsync(rig, "cliprdr"));
    }

    [RootFact]
    public async Task RemoteControlEnded_for_an_unknown_spy_answers_false()
    {
        await using var rig = await SessionRig.StartAsync();
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);

        var answer = await rig.Rds.RequestAsync((uint)MsgType.RemoteControlEnded, new RemoteControlEndedRequest { SpyId = 42, SpiedId = 1 });

        Assert.Equal(RPCStatus.Success, answer.Status);
        Assert.False(RemoteControlEndedResponse.Parser.ParseFrom(answer.Payload).Success);
        Assert.Equal(Sessions.Registry.SessionState.Active, rig.Daemon.Sessions.Find(2)!.State);
    }

    private static async Task<bool> AllowedAsync(SessionRig rig, string channel)
    {
        var answer = await rig.Rds.RequestAsync((uint)MsgType.IsChannelAllowed, new IsChannelAllowedRequest { ChannelName = channel });
        Assert.Equal(RPCStatus.Success, answer.Status);
        return IsChannelAllowedResponse.Parser.ParseFrom(answer.Payload).ChannelAllowed;
    }
}
