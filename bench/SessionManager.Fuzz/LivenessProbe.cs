using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SessionManager.FdsApi.Generated;
using SessionManager.Fuzz.Icp;
using SessionManager.Icp;
using Thrift;
using Thrift.Protocol;
using Thrift.Transport;
using Thrift.Transport.Client;

namespace SessionManager.Fuzz;

/// <summary>
/// Is the daemon still serving after a batch? A fresh fdsapi client's ping, and a fresh ICP
/// connection's handshake, each timed from connect to answer. Null: no right answer within
/// <see cref="GiveUp"/>.
/// </summary>
public static class LivenessProbe
{
    /// <summary>Past this an answer is not waited for (a hang by any bound).</summary>
    public static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(10);

    public static async Task<TimeSpan?> PingFdsApiAsync(int port, int input)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(GiveUp);
        try
        {
            // The canonical stack (FDSAPI.md): framed binary.
            TTransport transport = new TFramedTransport(new TSocketTransport(IPAddress.Loopback, port, new TConfiguration()));
            using var client = new fdsapi.Client(new TBinaryProtocol(transport));
            await client.OpenTransportAsync(timeout.Token);
            int answer = await client.ping(input, timeout.Token);
            return answer == input ? clock.Elapsed : null;
        }
        catch (Exception e) when (e is TException or IOException or SocketException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// A valid handshake on a new ICP connection. The daemon serves one connection at a time and
    /// closes a second at once: such a close before the answer is retried (the fuzzer's last
    /// connection may still be on its way out), the time counted from the first attempt.
    /// </summary>
    public static async Task<TimeSpan?> HandshakeIcpAsync(string socketPath)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < GiveUp)
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
                var traffic = new DaemonTraffic(socket);
                await socket.SendAsync(IcpFrameMutator.Frame(Google.Protobuf.MessageExtensions.ToByteArray(IcpMessageFactory.Handshake(1))), SocketFlags.None);
                var answered = await Task.WhenAny(traffic.HandshakeAnswer, Task.Delay(GiveUp - clock.Elapsed));
                if (answered == traffic.HandshakeAnswer && traffic.HandshakeAnswer.IsCompletedSuccessfully)
                {
                    var answer = traffic.HandshakeAnswer.Result;
                    var elapsed = clock.Elapsed;
                    socket.Shutdown(SocketShutdown.Both);
                    return answer.VersionInfo?.Vmajor == IcpMessageTypes.VersionMajor ? elapsed : null;
                }
            }
            catch (SocketException)
            {
                // not listening, or closed under us: try again while there is time
            }

            await Task.Delay(10);
        }

        return null;
    }
}
