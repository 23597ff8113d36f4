using Microsoft.Extensions.DependencyInjection;
using SessionManager.Icp.Link;
using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using SessionManager.Sessions.Registry;

namespace SessionManager.IntegrationTests;

/// <summary>
/// Connections are (RDS link generation, connection id): a restarted RDS numbers its connections
/// from 1 again, so an id of a link that is gone must never be named over the new one, and a
/// link's loss must touch its own connections only, whenever it is handled.
/// </summary>
[Collection(SessionTestGroup.Name)]
public sealed class SessionLinkGenerationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [RootFact]
    public async Task A_takeover_on_a_reconnected_RDS_sends_no_LogoffUserSession_for_the_old_links_connection_and_the_late_loss_leaves_the_new_link_alone()
    {
        await using var rig = await SessionRig.StartAsync();
        var link = rig.Daemon.Services.GetRequiredService<RdsLink>();
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstLost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondLost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Subscribed after the daemon: called after its own subscriber for each event. Holding
        // Attached(2) holds every later event, so the loss of link 2 is handled only once released.
        using var subscription = link.Subscribe(async e =>
        {
            if (e is { Kind: RdsLinkEventKind.Detached, Generation: 1 })
            {
                firstLost.TrySetResult();
            }
            else if (e is { Kind: RdsLinkEventKind.Attached, Generation: 2 })
            {
                await hold.Task;
            }
            else if (e is { Kind: RdsLinkEventKind.Detached, Generation: 2 })
            {
                secondLost.TrySetResult();
            }
        });
        try
        {
            await rig.Rds.DisposeAsync();
            await firstLost.Task.WaitAsync(Patience);
            await rig.ReconnectRdsAsync();
            Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);

            // The RDS restarts at once: link 3 is up before the loss of link 2 is handled.
            await rig.Rds.DisposeAsync();
            await rig.ReconnectRdsAsync();
            Assert.True((await rig.LogonAsync(1, "smtest2", SessionRig.Password2)).Succeeded);
            var back = await rig.LogonAsync(2, "smtest1", SessionRig.Password1);

            Assert.True(back.Succeeded, back.RefusedBecause);
            Assert.Equal(@"\\.\pipe\ogon_2_X11", back.Logon!.ServiceEndpoint);
            // Connection 1 of link 2 went with its link; connection 1 of link 3 is smtest2's.
            Assert.Empty(rig.RequestsOfType(MsgType.LogoffUserSession));

            hold.TrySetResult();
            await secondLost.Task.WaitAsync(Patience);
            Assert.Equal((SessionState.Active, (uint?)2), (rig.Daemon.Sessions.Find(2)!.State, rig.Daemon.Sessions.Find(2)!.ConnectionId));
            Assert.Equal(("smtest2", SessionState.Active, (uint?)1), (rig.Daemon.Sessions.Find(3)!.User, rig.Daemon.Sessions.Find(3)!.State, rig.Daemon.Sessions.Find(3)!.ConnectionId));
        }
        finally
        {
            hold.TrySetResult();
        }
    }

    [RootFact]
    public async Task A_logon_whose_link_dies_does_not_leave_its_session_Active_and_fdsapi_calls_for_it_do_not_reach_the_new_link()
    {
        // Without Reconnect a logon first ends the user's session; its backend ignores SIGTERM,
        // so the end (and with it the logon) lasts its StopTimeout (2 s): the link's loss is
        // handled meanwhile, before the new session is attached.
        await using var rig = await SessionRig.StartAsync("Sessions:Reconnect=false", "Backends:desktop:Command:5=--ignore-sigterm");
        var link = rig.Daemon.Services.GetRequiredService<RdsLink>();
        var secondUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = link.Subscribe(e =>
        {
            if (e is { Kind: RdsLinkEventKind.Attached, Generation: 2 })
            {
                secondUp.TrySetResult();
            }

            return ValueTask.CompletedTask;
        });
        Assert.True((await rig.LogonAsync(1, "smtest1", SessionRig.Password1)).Succeeded);

        var logoffSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = rig.Rds.Answer!;
        rig.Rds.Answer = request =>
        {
            if (request.MsgType == (uint)MsgType.LogoffUserSession)
            {
                logoffSent.TrySetResult();
            }

            return answer(request);
        };
        var second = rig.LogonConcurrentlyAsync(2, "smtest1", SessionRig.Password1);
        await logoffSent.Task.WaitAsync(Patience);
        await rig.Rds.DisposeAsync();
        _ = await Record.ExceptionAsync(() => second);
        await Wait.UntilAsync(() => rig.Daemon.Logs.WithEventName("LogonOutcome").Any(e => e.Text("ConnectionId") == "2"), "the second logon ends", Patience);
        await rig.ReconnectRdsAsync();
        // Handled after the loss of link 1 (events come in order).
        await secondUp.Task.WaitAsync(Patience);

        // Let go as if its client had left: no Reconnect, so it ended.
        Assert.Null(rig.Daemon.Sessions.Find(2));
        Assert.DoesNotContain(rig.Daemon.Sessions.All(), s => s.State == SessionState.Active || s.ConnectionId is not null);
        using var client = await rig.Daemon.ClientAsync();
        Assert.Equal("", (await client.virtualChannelOpen("token", 3, "rdpdr", false, 0)).PipeName ?? "");
        Assert.Empty(rig.RequestsOfType(MsgType.VirtualChannelOpen));
    }
}
