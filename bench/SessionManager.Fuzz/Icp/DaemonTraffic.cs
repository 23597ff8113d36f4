using System.Buffers.Binary;
using System.Net.Sockets;
using System.Threading.Channels;
using Google.Protobuf;
using SessionManager.Icp.Protocol;

namespace SessionManager.Fuzz.Icp;

/// <summary>
/// Reads everything the daemon sends on one ICP connection until it closes: its answers are
/// counted, its own requests (the heartbeat Ping) queued for the fuzzer to answer, rightly or not.
/// Reading all the time also keeps the daemon's writes from ever blocking on us.
/// </summary>
public sealed class DaemonTraffic
{
    /// <summary>Frames longer than this are not parsed, only drained (the daemon sends none).</summary>
    private const int LargestParsed = 4 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly Channel<RPCBase> _requests = Channel.CreateUnbounded<RPCBase>();
    private readonly TaskCompletionSource<RPCBase> _handshakeAnswer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _responses;

    public DaemonTraffic(Socket socket)
    {
        _socket = socket;
        Closed = Task.Run(ReadAsync);
    }

    /// <summary>Completes when the daemon has closed its side (or the socket failed).</summary>
    public Task Closed { get; }

    public ChannelReader<RPCBase> Requests => _requests.Reader;

    public Task<RPCBase> HandshakeAnswer => _handshakeAnswer.Task;

    public int Responses => Volatile.Read(ref _responses);

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        int filled = 0;
        bool parsing = true;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                int n = await _socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
                if (n == 0)
                {
                    return;
                }

                if (!parsing)
                {
                    continue; // draining only
                }

                filled += n;
                int used = 0;
                while (filled - used >= 4)
                {
                    uint length = BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(used));
                    if (length > LargestParsed)
                    {
                        parsing = false;
                        break;
                    }

                    if (filled - used - 4 < length)
                    {
                        break;
                    }

                    OnFrame(buffer.AsSpan(used + 4, (int)length));
                    used += 4 + (int)length;
                }

                Buffer.BlockCopy(buffer, used, buffer, 0, filled - used);
                filled -= used;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // reset by the daemon or disposed by us: the connection is over either way
        }
        finally
        {
            _requests.Writer.TryComplete();
            _handshakeAnswer.TrySetCanceled();
        }
    }

    private void OnFrame(ReadOnlySpan<byte> body)
    {
        RPCBase message;
        try
        {
            message = RPCBase.Parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException)
        {
            return; // the daemon never sends these; the summary would show it in the log scan
        }

        if (!message.IsResponse)
        {
            _requests.Writer.TryWrite(message);
        }
        else if (message.MsgType == SessionManager.Icp.IcpMessageTypes.Handshake)
        {
            _handshakeAnswer.TrySetResult(message);
        }
        else
        {
            Interlocked.Increment(ref _responses);
        }
    }
}
