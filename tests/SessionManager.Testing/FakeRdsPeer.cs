using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Google.Protobuf;
using SessionManager.Icp;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;

namespace SessionManager.Testing;

/// <summary>
/// A scriptable RDS server: connects to the daemon's ICP socket and speaks the real framing
/// (the product's own codec). SM→RDS requests are answered by <see cref="Answer"/> when set,
/// otherwise queued for the test to read and answer, in any order.
/// </summary>
public sealed partial class FakeRdsPeer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Channel<RPCBase> _requests = Channel.CreateUnbounded<RPCBase>();
    private readonly Channel<RPCBase> _responses = Channel.CreateUnbounded<RPCBase>();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reader;
    private uint _lastTag = 1000;

    private FakeRdsPeer(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>Answers requests as they arrive; return null to leave one for the test.</summary>
    public Func<RPCBase, RPCBase?>? Answer { get; set; }

    /// <summary>Completes when the daemon closes the connection.</summary>
    public Task Closed => _closed.Task;

    public static async Task<FakeRdsPeer> ConnectAsync(string socketPath, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        return new FakeRdsPeer(socket);
    }

    /// <summary>Connects and performs the ogon handshake; returns the peer and the daemon's answer.</summary>
    public static async Task<(FakeRdsPeer Peer, RPCBase Answer)> ConnectWithHandshakeAsync(string socketPath, uint vmajor = 1, uint vminor = 1)
    {
        var peer = await ConnectAsync(socketPath);
        var answer = await peer.HandshakeAsync(vmajor, vminor);
        return (peer, answer);
    }

    public async Task<RPCBase> HandshakeAsync(uint vmajor = 1, uint vminor = 1)
    {
        uint tag = NextTag();
        await SendAsync(new RPCBase
        {
            Tag = tag,
            IsResponse = false,
            Status = RPCStatus.Success,
            MsgType = IcpMessageTypes.Handshake,
            VersionInfo = new VersionInfo { Vmajor = vmajor, Vminor = vminor },
        });
        return await ReadResponseAsync();
    }

    /// <summary>Sends an RDS→SM request and returns the daemon's response envelope.</summary>
    public async Task<RPCBase> RequestAsync(uint msgType, IMessage payload)
    {
        await SendAsync(RpcMessages.Request(NextTag(), msgType, payload));
        return await ReadResponseAsync();
    }

    public uint NextTag() => Interlocked.Increment(ref _lastTag);

    public async Task SendAsync(RPCBase message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        IcpFrameCodec.WriteFrame(buffer, message);
        await SendRawAsync(buffer.WrittenMemory);
    }

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes)
    {
        await _writeLock.WaitAsync();
        try
        {
            await _stream.WriteAsync(bytes);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Answers a request with SUCCESS and <paramref name="payload"/>.</summary>
    public Task AnswerAsync(RPCBase request, IMessage payload) => SendAsync(RpcMessages.Success(request.Tag, request.MsgType, payload));

    /// <summary>The next SM→RDS request not answered by <see cref="Answer"/>.</summary>
    public async Task<RPCBase> ReadRequestAsync(TimeSpan? timeout = null) =>
        await _requests.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(10));

    public async Task<RPCBase> ReadResponseAsync(TimeSpan? timeout = null) =>
        await _responses.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(10));

    /// <summary>Whether a response has arrived that no one has read yet (a check that reads nothing).</summary>
    public bool HasUnreadResponse => _responses.Reader.TryPeek(out _);

    /// <summary>Half-closes our side: the daemon sees EOF (e.g. after a truncated frame).</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    private async Task ReadLoopAsync()
    {
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                while (IcpFrameCodec.TryReadFrame(ref buffer, int.MaxValue, out var body))
                {
                    await OnMessageAsync(IcpFrameCodec.ParseBody(body));
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception)
        {
            // The daemon closed or reset the connection: that is what Closed reports.
        }
        finally
        {
            await reader.CompleteAsync();
            _requests.Writer.TryComplete();
            _responses.Writer.TryComplete();
            _closed.TrySetResult();
        }
    }

    private async Task OnMessageAsync(RPCBase message)
    {
        if (message.IsResponse)
        {
            await _responses.Writer.WriteAsync(message);
            return;
        }

        if (Answer?.Invoke(message) is { } answer)
        {
            await SendAsync(answer);
            return;
        }

        await _requests.Writer.WriteAsync(message);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // already gone
        }

        await _stream.DisposeAsync();
        await _reader;
        _writeLock.Dispose();
    }
}
