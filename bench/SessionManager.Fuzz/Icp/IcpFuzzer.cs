using System.Net.Sockets;
using Google.Protobuf;
using SessionManager.Icp.Protocol;

namespace SessionManager.Fuzz.Icp;

/// <summary>
/// Plays a hostile RDS server at the daemon's ICP socket, one connection at a time (the daemon
/// serves one). Each connection: a handshake (valid, mutated, missing, or late), a group of
/// frames of every type mutated at one layer or more, sometimes an answer to the daemon's own
/// Ping; then it half-closes and waits for the daemon to close its side, so every frame sent
/// has been dealt with before the next connection (and a connection the daemon does not close
/// is seen as a stall).
/// </summary>
public sealed class IcpFuzzer(string socketPath, FuzzSettings settings, FuzzCounters counters)
{
    private static readonly IcpMutation[] Mutations = Enum.GetValues<IcpMutation>().Where(m => m != IcpMutation.None).ToArray();
    private readonly IcpMessageFactory _factory = new(settings.LogonShare);

    /// <summary>Sends at least <paramref name="frames"/> frames, over as many connections as that takes.</summary>
    public async Task RunAsync(Random rng, long frames)
    {
        long target = counters.IcpFrames + frames;
        while (counters.IcpFrames < target)
        {
            try
            {
                await ExchangeAsync(rng, (int)Math.Min(target - counters.IcpFrames, rng.Next(1, 48)));
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // The fuzzer's own client failing in a way not foreseen: counted, the run goes on.
                counters.Count($"icp: client error {e.GetType().Name}");
            }
        }
    }

    private async Task ExchangeAsync(Random rng, int groupSize)
    {
        using var socket = await ConnectAsync();
        if (socket is null)
        {
            counters.Count("icp: connect failed");
            await Task.Delay(50);
            return;
        }

        counters.Count("icp: connections");
        var traffic = new DaemonTraffic(socket);
        var frames = new List<byte[]>();
        uint tag = (uint)rng.Next(1, 1000);

        int opening = rng.Next(10);
        if (opening <= 6)
        {
            frames.Add(HandshakeFrame(rng, tag++));
        }
        else if (opening == 8)
        {
            frames.Add(IcpFrameMutator.Mutate(rng, IcpMessageFactory.Handshake(tag++), RandomMutation(rng), settings.MaxFrameBytes));
        }

        // opening 7: no handshake (a FreeRDS-era peer); 9: frames first, the handshake among them.
        int lateHandshakeAt = opening == 9 ? rng.Next(groupSize) : -1;
        bool idle = rng.NextDouble() < settings.IdleShare;
        if (idle)
        {
            if (!await SendAsync(socket, frames, rng))
            {
                await FinishAsync(socket, traffic);
                return;
            }

            frames.Clear();
            await AnswerHeartbeatAsync(rng, socket, traffic);
        }

        for (int i = 0; i < groupSize; i++)
        {
            if (i == lateHandshakeAt)
            {
                frames.Add(HandshakeFrame(rng, tag++));
            }

            var message = _factory.RandomMessage(rng, rng.Next(8) == 0 ? RandomValues.U32(rng) : tag++);
            var mutation = rng.NextDouble() < settings.ValidShare ? IcpMutation.None : RandomMutation(rng);
            counters.Count($"icp mutation: {mutation}");
            if (!message.IsResponse && Array.IndexOf(IcpMessageFactory.LogonTypes, message.MsgType) >= 0)
            {
                counters.Count("icp: logon-family requests (launcher/PAM)");
            }

            frames.Add(IcpFrameMutator.Mutate(rng, message, mutation, settings.MaxFrameBytes));
        }

        await SendAsync(socket, frames, rng);
        await FinishAsync(socket, traffic);
    }

    private static IcpMutation RandomMutation(Random rng) => Mutations[rng.Next(Mutations.Length)];

    private static byte[] HandshakeFrame(Random rng, uint tag)
    {
        // Mostly ogon's 1.1; sometimes 1.0, a major the daemon must refuse (2), or nonsense.
        var (major, minor) = rng.Next(10) switch
        {
            0 => (1u, 0u),
            1 => (2u, 0u),
            2 => (RandomValues.U32(rng), RandomValues.U32(rng)),
            _ => (1u, 1u),
        };
        var handshake = IcpMessageFactory.Handshake(tag, major, minor);
        if (rng.Next(20) == 0)
        {
            handshake.VersionInfo.Cookie = RandomValues.Text(rng);
        }

        return IcpFrameMutator.Frame(handshake.ToByteArray());
    }

    /// <summary>Waits for the daemon's heartbeat Ping (Icp:PingInterval of silence) and answers it in one of the ways a broken RDS would.</summary>
    private async Task AnswerHeartbeatAsync(Random rng, Socket socket, DaemonTraffic traffic)
    {
        using var patience = new CancellationTokenSource(settings.DaemonPingInterval * 5 + TimeSpan.FromMilliseconds(500));
        RPCBase request;
        try
        {
            request = await traffic.Requests.ReadAsync(patience.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
            counters.Count("icp: heartbeat not seen (connection closed or no ping)");
            return;
        }

        counters.Count("icp: daemon requests answered");
        var correct = IcpMessageFactory.Answer(request, RPCStatus.Success, IcpMessageFactory.ResponsePayload(rng, request.MsgType));
        var answers = new List<byte[]>();
        switch (rng.Next(8))
        {
            case 0: answers.Add(IcpFrameMutator.Frame(correct.ToByteArray())); break;
            case 1: correct.Tag ^= (uint)rng.Next(1, int.MaxValue); answers.Add(IcpFrameMutator.Frame(correct.ToByteArray())); break;
            case 2: answers.Add(IcpFrameMutator.Frame(IcpMessageFactory.Answer(request, RPCStatus.Failed, null).ToByteArray())); break;
            case 3: answers.Add(IcpFrameMutator.Frame(IcpMessageFactory.Answer(request, RPCStatus.Notfound, null).ToByteArray())); break;
            case 4: answers.Add(IcpFrameMutator.Mutate(rng, correct, RandomMutation(rng), settings.MaxFrameBytes)); break;
            case 5: answers.Add(IcpFrameMutator.Frame(correct.ToByteArray())); answers.Add(IcpFrameMutator.Frame(correct.ToByteArray())); break;
            case 6: correct.MsgType = IcpMessageFactory.OtherTypes[rng.Next(IcpMessageFactory.OtherTypes.Length)]; answers.Add(IcpFrameMutator.Frame(correct.ToByteArray())); break;
            default: correct.Payload = ByteString.CopyFrom(ByteMutator.Garbage(rng, 32)); answers.Add(IcpFrameMutator.Frame(correct.ToByteArray())); break;
        }

        await SendAsync(socket, answers, rng);
    }

    /// <summary>Writes the frames, sometimes split at random points; false once the daemon has closed the connection.</summary>
    private async Task<bool> SendAsync(Socket socket, List<byte[]> frames, Random rng)
    {
        byte[] all = [.. frames.SelectMany(f => f)];
        var pieces = new List<ReadOnlyMemory<byte>>();
        int at = 0;
        while (rng.Next(8) == 0 && at < all.Length - 1)
        {
            int cut = rng.Next(at + 1, all.Length);
            pieces.Add(all.AsMemory(at, cut - at));
            at = cut;
        }

        pieces.Add(all.AsMemory(at));
        try
        {
            foreach (var piece in pieces)
            {
                await socket.SendAsync(piece, SocketFlags.None);
            }
        }
        catch (SocketException)
        {
            counters.Count("icp: closed by the daemon while sending");
            counters.AddIcpFrames(frames.Count);
            return false;
        }

        counters.AddIcpFrames(frames.Count);
        return true;
    }

    private async Task FinishAsync(Socket socket, DaemonTraffic traffic)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // already reset by the daemon
        }

        if (await Task.WhenAny(traffic.Closed, Task.Delay(settings.StallTimeout)) != traffic.Closed)
        {
            counters.Count("icp: stalls (daemon did not close a finished connection)");
        }
    }

    private async Task<Socket?> ConnectAsync()
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
                return socket;
            }
            catch (SocketException)
            {
                socket.Dispose();
                await Task.Delay(20);
            }
        }

        return null;
    }
}
