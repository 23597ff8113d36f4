using System.Diagnostics;
using System.Net.Sockets;
using Google.Protobuf;

namespace SessionManager.Testing.BackendProtocol;

/// <summary>
/// The RDS side of the backend protocol (SESSIONS.md §3.4): connects to a backend's endpoint as
/// the ogon RDS does, and plays the start of an activation against it.
/// </summary>
public sealed class BackendEndpointClient : IAsyncDisposable
{
    /// <summary>The RDS's WaitNamedPipeA timeout for a backend endpoint (O rds/backend.c:1176).</summary>
    public static readonly TimeSpan OgonWait = TimeSpan.FromMilliseconds(20);

    /// <summary>WinPR's WaitNamedPipeA polling interval.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private BackendEndpointClient(Socket socket, string socketPath)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    /// <summary>
    /// As the RDS: polls for the socket file of <paramref name="serviceEndpoint"/> (a
    /// <c>\\.\pipe\name</c>) every 10 ms until <paramref name="wait"/> (default 20 ms) has passed,
    /// then connects once.
    /// </summary>
    /// <exception cref="BackendEndpointMissingException">the file was not there within the wait</exception>
    /// <exception cref="SocketException">the file is there but the connect failed</exception>
    public static async Task<BackendEndpointClient> ConnectLikeOgonAsync(
        string serviceEndpoint,
        TimeSpan? wait = null,
        string pipeDirectory = WinPrPipeName.DefaultDirectory,
        CancellationToken cancellationToken = default)
    {
        var path = WinPrPipeName.ToPath(serviceEndpoint, pipeDirectory);
        var allowed = wait ?? OgonWait;
        var clock = Stopwatch.StartNew();
        while (!File.Exists(path))
        {
            if (clock.Elapsed >= allowed)
            {
                throw new BackendEndpointMissingException($"{path} did not exist within {allowed.TotalMilliseconds} ms (checked for {clock.Elapsed.TotalMilliseconds:F0} ms)");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new BackendEndpointClient(socket, path);
    }

    /// <summary>
    /// Connects like the RDS (<see cref="ConnectLikeOgonAsync"/>) and runs <see cref="ExchangeAsync"/>;
    /// a missing or refusing endpoint is an outcome, not an exception.
    /// </summary>
    public static async Task<BackendExchangeResult> ActivateLikeOgonAsync(
        string serviceEndpoint,
        BackendActivation activation,
        string pipeDirectory = WinPrPipeName.DefaultDirectory,
        TimeSpan? timeout = null)
    {
        BackendEndpointClient client;
        try
        {
            client = await ConnectLikeOgonAsync(serviceEndpoint, OgonWait, pipeDirectory);
        }
        catch (BackendEndpointMissingException e)
        {
            return new(BackendExchangeOutcome.EndpointMissing, e.Message);
        }
        catch (ArgumentException e)
        {
            // e.g. an empty serviceEndpoint, what topka answers on launch errors: backend_new fails.
            return new(BackendExchangeOutcome.EndpointMissing, e.Message);
        }
        catch (SocketException e)
        {
            return new(BackendExchangeOutcome.ConnectFailed, $"connecting to {WinPrPipeName.ToPath(serviceEndpoint, pipeDirectory)}: {e.SocketErrorCode}");
        }

        await using (client)
        {
            return await client.ExchangeAsync(activation, timeout);
        }
    }

    /// <summary>
    /// The first messages of an activation. By default in the ogon RDS's order: VERSION,
    /// CAPABILITIES and KEYBOARD_SYNC written at once, the version reply checked when it comes
    /// (O rds/backend.c:266-295, SESSIONS.md §3.4). With <paramref name="waitForVersionReply"/>,
    /// CAPABILITIES is sent only after a good VERSION_REPLY. Then reads up to FRAMEBUFFER_INFO,
    /// skipping other frames. Each outcome is a result; <paramref name="timeout"/> (default
    /// 10 s) bounds the whole exchange.
    /// </summary>
    public async Task<BackendExchangeResult> ExchangeAsync(BackendActivation activation, TimeSpan? timeout = null, bool waitForVersionReply = false)
    {
        ArgumentNullException.ThrowIfNull(activation);
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var stage = "VERSION_REPLY";
        try
        {
            var version = new BackendFrame(BackendMessageTypes.Version, new BackendVersion(1, 1, activation.OgonCookie).Encode());
            var start = BackendFrame.Capabilities(activation);
            await WriteAsync(waitForVersionReply ? [version] : [version, .. start], deadline.Token);

            var first = await ReadFrameAsync(deadline.Token);
            if (first is null)
            {
                return new(BackendExchangeOutcome.Closed, "the backend closed the connection before VERSION_REPLY");
            }

            if (first.Type != BackendMessageTypes.VersionReply)
            {
                return new(BackendExchangeOutcome.ProtocolError, $"frame type {first.Type} came before VERSION_REPLY");
            }

            var reply = BackendVersion.Decode(first.Payload.Span);
            if (reply.Major != 1)
            {
                return new(BackendExchangeOutcome.ProtocolError, $"VERSION_REPLY major {reply.Major}, the RDS requires 1", reply);
            }

            if (reply.Cookie != activation.BackendCookie)
            {
                return new(BackendExchangeOutcome.CookieMismatch, $"VERSION_REPLY cookie '{reply.Cookie}', expected '{activation.BackendCookie}'", reply);
            }

            if (waitForVersionReply)
            {
                await WriteAsync(start, deadline.Token);
            }

            stage = "FRAMEBUFFER_INFO";
            while (await ReadFrameAsync(deadline.Token) is { } frame)
            {
                if (frame.Type == BackendMessageTypes.FramebufferInfo)
                {
                    return new(BackendExchangeOutcome.Ok, "version and framebuffer info received", reply, FramebufferInfo.Decode(frame.Payload.Span));
                }
            }

            return new(BackendExchangeOutcome.Closed, "the backend closed the connection before FRAMEBUFFER_INFO", reply);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return new(BackendExchangeOutcome.Timeout, $"no {stage} within {(timeout ?? DefaultTimeout).TotalSeconds} s");
        }
        catch (IOException e)
        {
            // A backend that closes with our frames unread resets the connection (AF_UNIX does).
            return new(BackendExchangeOutcome.Closed, $"connection lost waiting for {stage}: {e.Message}");
        }
        catch (Exception e) when (e is InvalidDataException or InvalidProtocolBufferException)
        {
            return new(BackendExchangeOutcome.ProtocolError, $"waiting for {stage}: {e.Message}");
        }
    }

    public async Task SendAsync(BackendFrame frame, CancellationToken cancellationToken = default) =>
        await WriteAsync([frame], cancellationToken);

    /// <summary>The next frame, or null when the backend closed the connection between frames.</summary>
    /// <exception cref="EndOfStreamException">closed in the middle of a frame</exception>
    /// <exception cref="InvalidDataException">a frame over <see cref="BackendFrame.MaxPayload"/></exception>
    public async Task<BackendFrame?> ReadFrameAsync(CancellationToken cancellationToken = default)
    {
        var header = new byte[BackendFrame.HeaderSize];
        int read = await _stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken);
        if (read == 0)
        {
            return null;
        }

        if (read < header.Length)
        {
            throw new EndOfStreamException("the backend closed the connection inside a frame header");
        }

        var (type, length) = BackendFrame.ReadHeader(header);
        var payload = new byte[length];
        await _stream.ReadExactlyAsync(payload, cancellationToken);
        return new BackendFrame(type, payload);
    }

    // One write for several frames, as the RDS's one activation write: a backend must cope with
    // them arriving together.
    private async Task WriteAsync(IReadOnlyList<BackendFrame> frames, CancellationToken cancellationToken)
    {
        var bytes = frames.SelectMany(f => f.ToBytes()).ToArray();
        await _stream.WriteAsync(bytes, cancellationToken);
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();
}
