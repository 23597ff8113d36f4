using System.IO.Pipelines;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;

namespace SessionManager.Benchmarks;

/// <summary>
/// A fake RDS server at the other end of an in-memory connection: it answers every
/// VirtualChannelOpen at once (other requests NOTFOUND) with the product's own codec, and
/// flushes once per batch of frames read, as a real peer's socket write would. Its answer
/// envelope is built once and only retagged, so its per-call allocation is the request it
/// parses (one RPCBase and its payload ByteString).
/// </summary>
internal sealed class LoopbackRds : IAsyncDisposable
{
    private const int MaxFrameBytes = 1024 * 1024;
    private readonly Pipe _toRds = new(new PipeOptions(useSynchronizationContext: false));
    private readonly Pipe _toSessionManager = new(new PipeOptions(useSynchronizationContext: false));
    private readonly Task _loop;

    public LoopbackRds()
    {
        SessionManagerEnd = new DuplexPipeStream(_toSessionManager.Reader, _toRds.Writer);
        _loop = Task.Run(AnswerLoopAsync);
    }

    /// <summary>The transport to hand to IcpConnection.</summary>
    public Stream SessionManagerEnd { get; }

    public async ValueTask DisposeAsync()
    {
        await SessionManagerEnd.DisposeAsync();
        await _loop;
    }

    private async Task AnswerLoopAsync()
    {
        var reader = _toRds.Reader;
        var writer = _toSessionManager.Writer;
        var answer = RpcMessages.Success(0, SampleMessages.VirtualChannelOpen, SampleMessages.OpenResponse());
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                bool answered = false;
                while (IcpFrameCodec.TryReadFrame(ref buffer, MaxFrameBytes, out var body))
                {
                    var request = IcpFrameCodec.ParseBody(body);
                    if (request.IsResponse)
                    {
                        continue;
                    }

                    if (request.MsgType == SampleMessages.VirtualChannelOpen)
                    {
                        answer.Tag = request.Tag;
                        IcpFrameCodec.WriteFrame(writer, answer);
                    }
                    else
                    {
                        IcpFrameCodec.WriteFrame(writer, RpcMessages.Failure(request.Tag, request.MsgType, RPCStatus.Notfound, null));
                    }

                    answered = true;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (answered && (await writer.FlushAsync()).IsCompleted)
                {
                    break;
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
            await writer.CompleteAsync();
        }
    }
}
