using System.Diagnostics;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Handlers;
using SessionManager.Icp.Logging;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Connection;

/// <summary>
/// One live ICP connection to the RDS server: a read loop, a combining writer, the
/// pending-call table and a single idempotent <see cref="Abort"/>. Requests flow both ways at once and are matched
/// by tag. Split by concern: this file the lifecycle, <c>.Read.cs</c> the inbound side,
/// <c>.Write.cs</c> the outbound side.
/// </summary>
public sealed partial class IcpConnection : IAsyncDisposable
{
    private readonly Stream _transport;
    private readonly IcpOptions _options;
    private readonly IcpRequestDispatcher _dispatcher;
    private readonly ILogger _logger;
    private readonly PendingCallTable _pending = new();
    private readonly CancellationTokenSource _closed = new();
    private Exception? _abortReason;
    private Task? _readLoop;
    private Timer? _timeoutSweep;

    public IcpConnection(Stream transport, PeerCredentials peer, IcpOptions options, IcpRequestDispatcher dispatcher, ILogger logger)
    {
        _transport = transport;
        Peer = peer;
        _options = options;
        _dispatcher = dispatcher;
        _logger = logger;
    }

    public PeerCredentials Peer { get; }

    /// <summary>How the peer introduced itself; null until its first request.</summary>
    public VersionInfo? PeerVersion { get; private set; }

    public int PendingCallCount => _pending.Count;

    /// <summary>Cancelled once the connection is closing: handlers of RDS requests stop.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Completes when the read loop has ended, with the reason the connection ended.</summary>
    public Task<Exception> Completion => _completion.Task;

    private readonly TaskCompletionSource<Exception> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Start()
    {
        if (_options.RequestTimeout != Timeout.InfiniteTimeSpan)
        {
            _timeoutSweep = new Timer(static c => ((IcpConnection)c!).SweepTimeouts(), this, SweepInterval, SweepInterval);
        }

        _readLoop = Task.Run(ReadLoopAsync);
        _ = _readLoop.ContinueWith(
            _ => _completion.TrySetResult(_abortReason ?? new EndOfStreamException("connection closed")),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// Sends a request to the RDS server. Completes once the frame is queued for sending, with
    /// the task of its response envelope (any status). That task ends exactly once: the answer,
    /// <see cref="IcpTimeoutException"/> after <see cref="IcpOptions.RequestTimeout"/>,
    /// <see cref="IcpConnectionLostException"/>, or cancellation by the caller.
    /// </summary>
    public async Task<Task<RPCBase>> SendRequestAsync(uint msgType, IMessage request, CancellationToken cancellationToken)
    {
        // Registered before the frame is written: a fast answer must find its call.
        var call = _pending.Register(msgType, DeadlineFromNow(_options.RequestTimeout));
        try
        {
            await SendAsync(RpcMessages.Request(call.Tag, msgType, request), cancellationToken);
        }
        catch
        {
            _pending.Remove(call);
            throw;
        }

        return AwaitResponseAsync(call, cancellationToken);
    }

    private async Task<RPCBase> AwaitResponseAsync(PendingCall call, CancellationToken cancellationToken)
    {
        // The timeout is enforced by SweepTimeouts; only a cancellable caller costs a registration.
        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static (state, token) => ((PendingCall)state!).Cancel(token), call)
            : default;
        try
        {
            var response = await call.Response;
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                _logger.CallAnswered(IcpMessageTypes.NameOf(call.MsgType), call.Tag, response.Status.ToString(), ElapsedMs(call.StartedAt));
            }

            return response;
        }
        finally
        {
            await registration.DisposeAsync();
            _pending.Remove(call);
        }
    }

    /// <summary>Fails the calls whose deadline has passed (runs on a timer, a few times per timeout).</summary>
    private void SweepTimeouts()
    {
        var expired = _pending.TakeExpired(Stopwatch.GetTimestamp());
        if (expired is null)
        {
            return;
        }

        foreach (var call in expired)
        {
            var name = IcpMessageTypes.NameOf(call.MsgType);
            _logger.CallTimedOut(name, call.Tag, ElapsedMs(call.StartedAt));
            call.Fail(new IcpTimeoutException(name, _options.RequestTimeout) { Tag = call.Tag });
        }
    }

    private static long DeadlineFromNow(TimeSpan timeout) =>
        timeout == Timeout.InfiniteTimeSpan ? long.MaxValue
        : Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);

    /// <summary>How often to look for expired calls: a timeout fires at most this late.</summary>
    private TimeSpan SweepInterval =>
        TimeSpan.FromTicks(Math.Clamp(_options.RequestTimeout.Ticks / 10, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromMilliseconds(250).Ticks));

    /// <summary>
    /// Closes the connection for <paramref name="reason"/>: the first reason wins, every pending
    /// call fails with it at once, both loops end. Safe to call from anywhere, any number of times.
    /// </summary>
    public void Abort(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _abortReason, reason, null) is not null)
        {
            return;
        }

        _timeoutSweep?.Dispose();
        int failed = _pending.FailAll(reason);
        _logger.RdsDisconnected(Peer, reason.Message, failed);

        // Ending the transport ends the read loop and any write in progress.
        _transport.Dispose();

        // Handlers observing Closed must not run inline on whichever loop called Abort.
        ThreadPool.UnsafeQueueUserWorkItem(static cts => cts.Cancel(), _closed, preferLocal: false);
    }

    public async ValueTask DisposeAsync()
    {
        Abort(new ObjectDisposedException(nameof(IcpConnection), "session manager closed the connection"));
        if (_readLoop is not null)
        {
            await _readLoop;
        }
    }

    private static double ElapsedMs(long startedAt) => Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds;
}
