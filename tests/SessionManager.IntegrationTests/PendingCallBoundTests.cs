using System.Diagnostics;
using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;
using Thrift;

namespace SessionManager.IntegrationTests;

/// <summary>
/// Issue 20 item 1, as it was found: one session's user leaves message boxes open (timeout 0,
/// without wait) against an RDS server that keeps them open until somebody clicks. Real daemon,
/// fake RDS server, Thrift clients; connection routing (fdsapi sessionId = RDS connectionId).
/// </summary>
public sealed class PendingCallBoundTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_session_leaving_boxes_open_is_bounded_and_another_sessions_calls_go_on()
    {
        await using var daemon = await Daemon.StartAsync("Icp:MaxPendingCalls=64", "Icp:MaxPendingCallsPerSession=8", "Icp:MaxPendingCallsPerToken=32");
        await using var rds = await daemon.ConnectRdsAsync();
        using var user = await daemon.ClientAsync();
        var clock = Stopwatch.StartNew();

        // More boxes than the whole table holds: before the bound, the 65th and later failed on
        // Icp:MaxPendingCalls and so did every other session's call.
        int shown = 0;
        for (int i = 0; i < 80; i++)
        {
            try
            {
                Assert.Equal(32001, await user.sendMessage("", 5, "Hello", $"box {i}", 0, 0, false));
                shown++;
            }
            catch (TApplicationException refused)
            {
                Assert.Contains("session 5 has 8 calls waiting for the RDS server already (Icp:MaxPendingCallsPerSession)", refused.Message, StringComparison.Ordinal);
            }
        }

        Assert.Equal(8, shown);
        var boxes = new List<RPCBase>();
        for (int i = 0; i < 8; i++)
        {
            var box = await rds.ReadRequestAsync();
            Assert.Equal((uint)MsgType.Message, box.MsgType);

            // Timeout 0 is sent as Icp:MessageBoxMaxWait, so the box closes itself when we stop waiting.
            Assert.Equal(600u, MessageRequest.Parser.ParseFrom(box.Payload).Timeout);
            boxes.Add(box);
        }

        using var other = await daemon.ClientAsync();
        var open = other.virtualChannelOpen("", 6, "rdpdr", false, 0);
        var request = await rds.ReadRequestAsync();
        await rds.SendAsync(StandardRdsAnswers.Answer(request));
        Assert.Equal("vc:6:rdpdr", (await open.WaitAsync(Patience)).PipeName);

        // Refusals are logged naming the session, rate-limited (10 lines a second at most).
        var line = await daemon.Logs.WaitForAsync("PendingCallRefused");
        Assert.Equal("5", line.Properties["SessionId"].ToString());
        int lines = daemon.Logs.WithEventName("PendingCallRefused").Count();
        Assert.True(lines <= 10 * ((int)clock.Elapsed.TotalSeconds + 2), $"{lines} lines in {clock.Elapsed}");

        // A box without wait counts until it is answered; then the session may show another.
        await rds.AnswerAsync(boxes[0], new MessageResponse { Result = 1 });
        await daemon.Logs.WaitForAsync("UnawaitedOutcome");
        Assert.Equal(32001, await user.sendMessage("", 5, "Hello", "one more", 0, 0, false));
        Assert.Equal((uint)MsgType.Message, (await rds.ReadRequestAsync()).MsgType);
    }

    [Theory]
    [InlineData("--Icp:MaxPendingCallsPerSession=16", "Icp:MaxPendingCallsPerSession: must be at least 1 and less than Icp:MaxPendingCalls (16), so that one session cannot fill the table for the others (got 16)")]
    [InlineData("--Icp:MaxPendingCallsPerToken=17", "Icp:MaxPendingCallsPerToken: must be at least 1 and less than Icp:MaxPendingCalls (16), so that one token cannot fill the table for the others (got 17)")]
    [InlineData("--Icp:MessageBoxMaxWait=00:00:00", "Icp:MessageBoxMaxWait: must be 00:00:01-1.00:00:00 (got 00:00:00)")]
    public async Task A_bound_that_leaves_no_room_for_others_stops_start_up_naming_the_key(string setting, string expected)
    {
        using var dir = new TempDirectory();
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={Path.Combine(dir.Path, "sm.sock")}", "--FdsApi:Port=0", "--Icp:MaxPendingCalls=16", "--Icp:MaxPendingCallsPerSession=8", "--Icp:MaxPendingCallsPerToken=8", setting);
        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var line = Assert.Single(daemon.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("SessionManager: cannot start: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }
}
