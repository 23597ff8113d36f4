using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SessionManager.FdsApi.Generated;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;
using Thrift;
using Thrift.Transport;
using Thrift.Transport.Client;

namespace SessionManager.IntegrationTests;

/// <summary>
/// The daemon as a process runs socket completions inline on its one socket event thread
/// (RuntimeTuning), so a Thrift connection that always has its next request waiting must not
/// keep that thread: every other client and the ICP link are read by it.
/// </summary>
public sealed class EventThreadFairnessTests
{
    [Fact]
    public async Task A_client_that_pipelines_calls_without_pause_does_not_starve_other_clients_or_the_RDS_link()
    {
        using var dir = new TempDirectory();
        var socketPath = Path.Combine(dir.Path, "sm.sock");
        int port = DaemonProcess.FreePort();
        using var daemon = DaemonProcess.Start($"--Icp:SocketPath={socketPath}", $"--FdsApi:Port={port}");
        await daemon.WaitForOutputAsync("fdsapi listening");
        await using var rds = await FakeRdsPeer.ConnectWithHandshakeAsync(socketPath).ContinueWith(t => t.Result.Peer);
        rds.Answer = StandardRdsAnswers.Answer;

        // The flood: pings written in large batches for as long as the test runs, their replies
        // drained at once, so the daemon's reads and writes of this client never have to wait.
        byte[] batch = await PingBatchAsync(count: 2000);
        using var flood = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await flood.ConnectAsync(IPAddress.Loopback, port);
        using var stopFlood = new CancellationTokenSource();
        long repliedBytes = 0;
        var writing = Task.Run(async () =>
        {
            while (!stopFlood.IsCancellationRequested)
            {
                await flood.SendAsync(batch, SocketFlags.None, stopFlood.Token);
            }
        });
        var draining = Task.Run(async () =>
        {
            var sink = new byte[1 << 16];
            int read;
            while ((read = await flood.ReceiveAsync(sink, SocketFlags.None, stopFlood.Token)) > 0)
            {
                Interlocked.Add(ref repliedBytes, read);
            }
        });

        try
        {
            await Wait.UntilAsync(() => Interlocked.Read(ref repliedBytes) > 100_000, "the flood is being answered", TimeSpan.FromSeconds(20));

            // Meanwhile another client's bridged calls go through, each well within a second,
            // over the ICP link the same thread reads.
            using var other = await FdsApiTestClient.ConnectAsync(port);
            var slowest = TimeSpan.Zero;
            for (int i = 0; i < 20; i++)
            {
                var clock = Stopwatch.StartNew();
                var open = await other.virtualChannelOpen("", 3, $"ch{i}", false, 0).WaitAsync(TimeSpan.FromSeconds(10));
                Assert.Equal($"vc:3:ch{i}", open.PipeName);
                slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
            }

            Assert.True(slowest < TimeSpan.FromSeconds(2), $"the slowest call took {slowest}");
            long before = Interlocked.Read(ref repliedBytes);
            await Wait.UntilAsync(() => Interlocked.Read(ref repliedBytes) > before, "the flood is still answered", TimeSpan.FromSeconds(10));
        }
        finally
        {
            stopFlood.Cancel();
            flood.Close();
            await Task.WhenAll(writing, draining).ContinueWith(_ => { });
        }
    }

    /// <summary>Framed binary ping calls, as fdsapi's own client writes them, back to back.</summary>
    private static async Task<byte[]> PingBatchAsync(int count)
    {
        var memory = new TMemoryBufferTransport(new TConfiguration());
        var client = new fdsapi.Client(new Thrift.Protocol.TBinaryProtocol(new TFramedTransport(memory)));
        await client.send_ping(7);
        byte[] one = memory.GetBuffer();
        var batch = new byte[one.Length * count];
        for (int i = 0; i < count; i++)
        {
            one.CopyTo(batch, i * one.Length);
        }

        return batch;
    }

}
