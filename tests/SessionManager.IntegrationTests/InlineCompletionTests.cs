using System.Diagnostics;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;

namespace SessionManager.IntegrationTests;

/// <summary>
/// A bridged call's reply may be written on the ICP reader (IcpCallOptions.MayCompleteOnReader).
/// These tests show that this can never stall the link for the other callers.
/// </summary>
public sealed class InlineCompletionTests
{
    /// <summary>An answer big enough that a few of them fill a client's socket buffers.</summary>
    private static readonly string BigPipeName = new('p', 200_000);

    [Fact]
    public async Task A_client_that_never_reads_its_replies_does_not_hold_up_other_callers()
    {
        await using var daemon = await Daemon.StartAsync();
        await using var rds = await daemon.ConnectRdsAsync();
        rds.Answer = request =>
        {
            if (request.MsgType == (uint)MsgType.VirtualChannelOpen
                && ProtoReader.Parse<VirtualChannelOpenRequest>(request.Payload, "VirtualChannelOpen").VirtualName == "big")
            {
                return RpcMessages.Success(request.Tag, request.MsgType, new VirtualChannelOpenResponse { ConnectionString = BigPipeName, Instance = 1 });
            }

            return StandardRdsAnswers.Answer(request);
        };

        // Client A pipelines calls whose replies total far more than any socket buffer, and
        // never reads one of them.
        using var stuck = await daemon.ClientAsync();
        for (int i = 0; i < 150; i++)
        {
            await stuck.send_virtualChannelOpen("", 1, "big", false, 0);
        }

        // Give the daemon time to fill A's socket: its reply writes are now waiting.
        await Task.Delay(TimeSpan.FromSeconds(1));

        // Meanwhile every other caller is served, over the same ICP link.
        var clock = Stopwatch.StartNew();
        using var other = await daemon.ClientAsync();
        for (int i = 0; i < 100; i++)
        {
            var open = await other.virtualChannelOpen("", 2, $"ch{i}", false, 0).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal($"vc:2:ch{i}", open.PipeName);
        }

        var callers = Enumerable.Range(0, 8).Select(async n =>
        {
            using var client = await daemon.ClientAsync();
            for (int i = 0; i < 20; i++)
            {
                Assert.Equal($"vc:{n}:x", (await client.virtualChannelOpen("", n, "x", false, 0)).PipeName);
            }
        });
        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(daemon.Rds.IsConnected);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"other callers took {clock.Elapsed}");
    }
}
