using System.Net.Sockets;
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
/// pending-call table, a periodic tick (timeouts, heartbeat) and a single idempotent
/// <see cref="Abort"/>. Requests flow both ways at once and are matched by tag. Split by
/// concern: this file the lifecycle, <c>.Calls.cs</c> SM→RDS calls, timeouts and heartbeat,
/// <c>.Read.cs</c> the inbound side, <c>.Write.cs</c> the outbound side.
/// </summary>
public sealed partial class IcpConnection : IAsyncDisposable
{
    private static long s_lastId;

    private readonly Stream _transport;
    private readonly IcpOptions _options;
    private readonly IcpRequestDispatcher _dispatcher;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IIcpConnectionOwner? _owner;
    private readonly IcpLogLimits _logLimits;
    private readonly IcpMetrics? _metrics;
    private readonly PendingCallTable _pending;
    private readonly SemaphoreSlim _requestSlots;
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource<Exception> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _abortReason;
    private Task? _readLoop;
    private ITimer? _tick;
    private volatile bool _ready;

    public IcpConnection(Stream transport, PeerCredentials peer, IcpOptions options, IcpRequestDispatcher dispatcher, ILogger logger,
        TimeProvider? time = null, IIcpConnectionOwner? owner = null, IcpLogLimits? logLimits = null, IcpMetrics? metrics = null)
    {
        _metrics = metrics;
        _transport = transport;
        Peer = peer;
        _options = options;
        _dispatcher = dispatcher;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _owner = owner;
        _logLimits = logLimits ?? IcpLogLimits.None;
        _pending = new PendingCallTable(PendingCallLimits.From(options));
        _requestSlots = new SemaphoreSlim(options.MaxConcurrentRequests, options.MaxConcurrentRequests);
        Id = Interlocked.Increment(ref s_lastId);
        _lastReceived = _time.GetTimestamp();
    }

    /// <summary>A number for this connection in the logs (unique in the process).</summary>
    public long Id { get; }

    public PeerCredentials Peer { get; }

    /// <summary>The read loop, for the systemd watchdog.</summary>
    public Hosting.LoopActivity ReadActivity { get; } = new("ICP read loop");

    /// <summary>How the peer introduced itself; null until its handshake (and for a legacy peer).</summary>
    public VersionInfo? PeerVersion { get; private set; }

    /// <summary>The link generation the owner gave this connection when it became ready (0 before).</summary>
    public long Generation { get; internal set; }

    /// <summary>True once the handshake is answered (or a legacy peer's first request arrived).</summary>
    public bool IsReady => _ready;

    /// <summary>True once the connection has ended or is ending.</summary>
    public bool IsAborted => Volatile.Read(ref _abortReason) is not null;

    public int PendingCallCount => _pending.Count;

    /// <summary>Cancelled once the connection is closing: handlers of RDS requests stop.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Completes when the read loop has ended, with the reason the connection ended.</summary>
    public Task<Exception> Completion => _completion.Task;

    public void Start()
    {
        _tick = _time.CreateTimer(static c => ((IcpConnection)c!).OnTick(), this, TickInterval, TickInterval);
        _readLoop = Task.Run(ReadLoopAsync);
        _ = _readLoop.ContinueWith(
            _ => _completion.TrySetResult(_abortReason ?? new EndOfStreamException("connection closed")),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// Whether the peer has closed its end although the read loop has not seen it yet (it may
    /// not be reading: bytes the peer sent before closing can still be waiting). Lets a reconnect
    /// that arrives a moment after the close be served at once instead of being taken for a
    /// second RDS server.
    /// </summary>
    public bool ProbePeerGone()
    {
        if (IsAborted)
        {
            return true;
        }

        return _transport is NetworkStream { Socket: var socket } && PeerHangup.HasHungUp(socket);
    }

    /// <summary>
    /// Closes the connection for <paramref name="reason"/>: the first reason wins, every pending
    /// call fails with it at once, the owner frees the link at once, both loops end. Safe to call
    /// from anywhere, any number of times.
    /// </summary>
    public void Abort(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _abortReason, reason, null) is not null)
        {
            return;
        }

        _tick?.Dispose();
        int failed = _pending.FailAll(reason);
        if (_readLoop is not null)
        {
            _logger.RdsDisconnected(Peer, reason.Message, failed);
        }

        // Ending the transport ends the read loop and any write in progress.
        _transport.Dispose();

        // Synchronously: a reconnect accepted right after this must find the link free.
        _owner?.OnAborted(this, reason);

        // Handlers observing Closed must not run inline on whichever loop called Abort.
        ThreadPool.UnsafeQueueUserWorkItem(static cts => cts.Cancel(), _closed, preferLocal: false);
    }

    /// <summary>Closes a connection that was never started (refused at accept): nothing is logged.</summary>
    public void Refuse(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _abortReason, reason, null) is null)
        {
            _transport.Dispose();
            _closed.Dispose();
            _requestSlots.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Abort(new ObjectDisposedException(nameof(IcpConnection), "session manager closed the connection"));
        if (_readLoop is not null)
        {
            await _readLoop;
        }
    }

    private void BecomeReady()
    {
        if (_ready || IsAborted)
        {
            return;
        }

        _ready = true;
        _owner?.OnReady(this);
    }

    private double ElapsedMs(long startedAt) => _time.GetElapsedTime(startedAt).TotalMilliseconds;
}
