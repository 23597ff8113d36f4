using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Google.Protobuf;
using SessionManager.Icp.Protocol;

namespace SessionManager.LogonStorm;

/// <summary>
/// A fake RDS server's side of ICP, just enough for a storm: many requests in flight matched by
/// tag, and the SM→RDS requests (Ping, LogoffUserSession) answered as the ogon RDS does.
/// Frames: u32 big-endian length, then an RPCBase.
/// </summary>
/// <summary>An answer and when its frame was read (Stopwatch timestamp), before any hand-off.</summary>
internal sealed record IcpAnswer(RPCBase Message, long ReceivedAt);

internal sealed class IcpClient : IAsyncDisposable
{
    private const uint HandshakeType = 0xFFFFFFFF;
    private readonly Socket _socket;
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<IcpAnswer>> _pending = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Task _reader;
    private int _nextTag = 100;

    private IcpClient(Socket socket)
    {
        _socket = socket;
        _reader = Task.Run(ReadLoopAsync);
    }

    public static async Task<IcpClient> ConnectAsync(string socketPath)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        var client = new IcpClient(socket);
        var answer = await client.SendAsync(new RPCBase
        {
            Tag = 1, IsResponse = false, Status = RPCStatus.Success, MsgType = HandshakeType,
            VersionInfo = new VersionInfo { Vmajor = 1, Vminor = 1 },
        });
        if (answer.Status != RPCStatus.Success || answer.VersionInfo?.Vmajor != 1)
        {
            throw new InvalidOperationException($"handshake refused: {answer}");
        }

        return client;
    }

    public static RPCBase Request(uint msgType, IMessage payload) => new()
    {
        IsResponse = false, Status = RPCStatus.Success, MsgType = msgType, Payload = payload.ToByteString(),
    };

    /// <summary>Sends requests in one write (so they leave together) and returns their answers' tasks.</summary>
    public async Task<Task<IcpAnswer>[]> SendBatchAsync(IReadOnlyList<RPCBase> requests) => (await SendTimedBatchAsync(requests)).Answers;

    /// <summary>How long the last batch's write took (the kernel copying it into the socket).</summary>
    public double LastSendMs { get; private set; }

    /// <summary><see cref="SendBatchAsync"/>, with the Stopwatch timestamp taken just before the
    /// write, once the frames are serialised (the client's own work is not the daemon's time).</summary>
    public async Task<(Task<IcpAnswer>[] Answers, long SentAt)> SendTimedBatchAsync(IReadOnlyList<RPCBase> requests)
    {
        var answers = new Task<IcpAnswer>[requests.Count];
        using var frames = new MemoryStream();
        for (int i = 0; i < requests.Count; i++)
        {
            answers[i] = Register(requests[i]);
            WriteFrame(frames, requests[i]);
        }

        byte[] bytes = frames.ToArray();
        long sentAt = System.Diagnostics.Stopwatch.GetTimestamp();
        await WriteAsync(bytes);
        LastSendMs = System.Diagnostics.Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds;
        return (answers, sentAt);
    }

    public async Task<RPCBase> SendAsync(RPCBase request) => (await (await SendBatchAsync([request]))[0]).Message;

    private Task<IcpAnswer> Register(RPCBase request)
    {
        if (request.Tag == 0)
        {
            request.Tag = (uint)Interlocked.Increment(ref _nextTag);
        }

        var answer = new TaskCompletionSource<IcpAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[request.Tag] = answer;
        return answer.Task;
    }

    private static void WriteFrame(Stream to, RPCBase message)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)message.CalculateSize());
        to.Write(length);
        message.WriteTo(to);
    }

    private async Task WriteAsync(byte[] bytes)
    {
        await _writeLock.WaitAsync();
        try
        {
            await _socket.SendAsync(bytes, SocketFlags.None);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        var header = new byte[4];
        try
        {
            while (await ReadExactlyAsync(header))
            {
                var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header)];
                if (!await ReadExactlyAsync(body))
                {
                    break;
                }

                var message = RPCBase.Parser.ParseFrom(body);
                if (!message.IsResponse)
                {
                    await AnswerAsync(message);
                }
                else if (_pending.TryRemove(message.Tag, out var waiting))
                {
                    waiting.TrySetResult(new IcpAnswer(message, System.Diagnostics.Stopwatch.GetTimestamp()));
                }
            }
        }
        catch (SocketException)
        {
            // the daemon went away: every waiting call fails below
        }

        foreach (var waiting in _pending.Values)
        {
            waiting.TrySetException(new IOException("ICP connection closed"));
        }
    }

    // As the ogon RDS: Ping answered, LogoffUserSession done, anything else NOTFOUND (ICP.md).
    private async Task AnswerAsync(RPCBase request)
    {
        IMessage? payload = (MsgType)request.MsgType switch
        {
            MsgType.Ping => new PingResponse { Pong = true },
            MsgType.LogoffUserSession => new LogoffUserSessionResponse { Loggedoff = true },
            _ => null,
        };
        var answer = new RPCBase { Tag = request.Tag, IsResponse = true, MsgType = request.MsgType, Status = payload is null ? RPCStatus.Notfound : RPCStatus.Success };
        if (payload is not null)
        {
            answer.Payload = payload.ToByteString();
        }

        using var frame = new MemoryStream();
        WriteFrame(frame, answer);
        await WriteAsync(frame.ToArray());
    }

    private async Task<bool> ReadExactlyAsync(byte[] buffer)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = await _socket.ReceiveAsync(buffer.AsMemory(done), SocketFlags.None);
            if (n == 0)
            {
                return false;
            }

            done += n;
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Shutdown(SocketShutdown.Both);
        _socket.Dispose();
        await _reader;
        _writeLock.Dispose();
    }
}
