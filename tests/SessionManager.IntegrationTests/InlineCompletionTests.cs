using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using SessionManager.FdsApi.Handler;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;

namespace SessionManager.IntegrationTests;

/// <summary>
/// A bridged call's reply may be written on the ICP reader (IcpCallOptions.MayCompleteOnReader).
/// These tests show that this can never stall the link for the other callers, and what else a
/// connection may do there: parse its client's next request if it was already waiting, is small
/// and whole, and is a bridged call (which only checks, routes and writes its ICP frame).
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

    [Theory]
    [InlineData("small bridged call", true)]
    [InlineData("small bridged call, unframed", false)] // its length is not known before it is parsed
    [InlineData("local call", false)]
    [InlineData("large bridged call", false)]
    public async Task A_request_waiting_behind_a_reply_written_on_the_ICP_reader_is_checked_there_only_if_small_and_bridged(string next, bool onReader)
    {
        var gate = new ReaderRecordingGate();
        await using var daemon = await Daemon.StartAsync(s => s.AddSingleton<IFdsApiCallGate>(gate));
        await using var rds = await daemon.ConnectRdsAsync();
        rds.Answer = request => request.MsgType == (uint)MsgType.VirtualChannelOpen
            && ProtoReader.Parse<VirtualChannelOpenRequest>(request.Payload, "VirtualChannelOpen").VirtualName == "first" ? null : StandardRdsAnswers.Answer(request);
        using var client = await daemon.ClientAsync(framed: !next.EndsWith("unframed", StringComparison.Ordinal));

        // The first call waits for its ICP answer until the second request has been sent: that one
        // is then waiting in the connection when the first reply is written on the ICP reader.
        await client.send_virtualChannelOpen("", 1, "first", false, 0);
        var firstRequest = await rds.ReadRequestAsync();
        string longTitle = new('t', 2000);
        switch (next)
        {
            case "small bridged call" or "small bridged call, unframed": await client.send_virtualChannelOpen("", 1, "second", false, 0); break;
            case "local call": await client.send_ping(42); break;
            default: await client.send_sendMessage("", 1, longTitle, "text", 0, 0, false); break;
        }

        await Task.Delay(TimeSpan.FromMilliseconds(200));
        await rds.AnswerAsync(firstRequest, new VirtualChannelOpenResponse { ConnectionString = "vc:1:first", Instance = 7 });

        Assert.Equal("vc:1:first", (await client.recv_virtualChannelOpen()).PipeName);
        switch (next)
        {
            case "small bridged call" or "small bridged call, unframed": Assert.Equal("vc:1:second", (await client.recv_virtualChannelOpen()).PipeName); break;
            case "local call": Assert.Equal(42, await client.recv_ping()); break;
            default: Assert.Equal(32001, await client.recv_sendMessage()); break; // IDASYNC: sent, not waited for
        }

        var seen = gate.Seen;
        Assert.Equal(2, seen.Count);
        Assert.False(seen[0].OnReader, "the first request came from the client's socket");
        Assert.Equal(onReader, seen[1].OnReader);
    }

    [Fact]
    public async Task Answers_that_arrive_together_each_run_their_reply_path_as_the_reader_would_and_all_arrive()
    {
        var gate = new ReaderRecordingGate();
        await using var daemon = await Daemon.StartAsync(s => s.AddSingleton<IFdsApiCallGate>(gate));
        await using var rds = await daemon.ConnectRdsAsync();
        rds.Answer = request => request.MsgType == (uint)MsgType.VirtualChannelOpen
            && ProtoReader.Parse<VirtualChannelOpenRequest>(request.Payload, "VirtualChannelOpen").VirtualName == "first" ? null : StandardRdsAnswers.Answer(request);

        // Four clients, each with a first call held at the fake RDS and its next request waiting
        // in the daemon behind it.
        const int Clients = 4;
        var clients = new List<SessionManager.FdsApi.Generated.fdsapi.Client>();
        var held = new List<RPCBase>();
        for (int n = 1; n <= Clients; n++)
        {
            var client = await daemon.ClientAsync();
            clients.Add(client);
            await client.send_virtualChannelOpen("", n, "first", false, 0);
            held.Add(await rds.ReadRequestAsync());
            await client.send_virtualChannelOpen("", n, "second", false, 0);
        }

        await Task.Delay(TimeSpan.FromMilliseconds(200));

        // The four answers in one write: the daemon's reader finds them in one read.
        var together = new System.Buffers.ArrayBufferWriter<byte>();
        for (int i = 0; i < Clients; i++)
        {
            var channel = ProtoReader.Parse<VirtualChannelOpenRequest>(held[i].Payload, "VirtualChannelOpen");
            IcpFrameCodec.WriteFrame(together, RpcMessages.Success(held[i].Tag, held[i].MsgType,
                new VirtualChannelOpenResponse { ConnectionString = $"vc:{channel.ConnectionId}:first", Instance = 7 }));
        }

        await rds.SendRawAsync(together.WrittenMemory);

        for (int i = 0; i < Clients; i++)
        {
            var client = clients[i];
            Assert.Equal($"vc:{i + 1}:first", (await client.recv_virtualChannelOpen().WaitAsync(TimeSpan.FromSeconds(10))).PipeName);
            Assert.Equal($"vc:{i + 1}:second", (await client.recv_virtualChannelOpen().WaitAsync(TimeSpan.FromSeconds(10))).PipeName);
            client.Dispose();
        }

        // Every waiting request was checked on the reply path (the reader's, or the one worker the
        // reader handed the other answers of its read to), never as a fresh read of the socket.
        var seen = gate.Seen;
        Assert.Equal(2 * Clients, seen.Count);
        Assert.Equal(Clients, seen.Count(call => call.OnReader));
    }

    /// <summary>Records, for each call, whether its check ran inline on an ICP reader.</summary>
    private sealed class ReaderRecordingGate : IFdsApiCallGate
    {
        private readonly ConcurrentQueue<(string Method, bool OnReader)> _seen = new();

        public IReadOnlyList<(string Method, bool OnReader)> Seen => [.. _seen];

        public ValueTask<FdsApiAdmission> AdmitAsync(FdsApiCall fdsApiCall, CancellationToken cancellationToken)
        {
            _seen.Enqueue((fdsApiCall.Method, IcpReaderInline.IsActive));
            return ValueTask.FromResult(FdsApiAdmission.Allow);
        }
    }
}
