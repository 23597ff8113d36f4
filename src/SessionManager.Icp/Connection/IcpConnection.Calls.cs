using Google.Protobuf;
using Microsoft.Extensions.Logging;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Logging;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Connection;

public sealed partial class IcpConnection
{
    private long _lastReceived;
    private int _heartbeatInFlight;

    /// <summary>
    /// Calls the RDS server; the task ends exactly once: the answer (any status), an
    /// <see cref="IcpTimeoutException"/> after the call's timeout, an
    /// <see cref="IcpConnectionLostException"/>, or cancellation by <paramref name="cancellationToken"/>.
    /// </summary>
    /// <exception cref="IcpException">the call could not be sent (closed, a limit); thrown, not faulted.</exception>
    public Task<RPCBase> CallAsync(uint msgType, IMessage request, in IcpCallOptions options, CancellationToken cancellationToken = default)
    {
        var call = Send(msgType, request, options, out var sent);
        ObserveSend(sent);
        return cancellationToken.CanBeCanceled ? AwaitCancellableAsync(call, cancellationToken) : call.Response;
    }

    /// <summary>
    /// As <see cref="CallAsync"/>, for callers that answer their own client once the request is on
    /// its way: <c>Sent</c> completes then (its failure also fails <c>Answer</c>).
    /// </summary>
    public (Task Sent, Task<RPCBase> Answer) StartCall(uint msgType, IMessage request, in IcpCallOptions options)
    {
        var call = Send(msgType, request, options, out var sent);
        return (ObserveSend(sent), call.Response);
    }

    private PendingCall Send(uint msgType, IMessage request, in IcpCallOptions options, out ValueTask sent)
    {
        var timeout = BoundedTimeout(msgType, options.Timeout ?? _options.RequestTimeout);
        long now = _time.GetTimestamp();

        // Registered before the frame is written: a fast answer must find its call.
        PendingCall call;
        try
        {
            call = _pending.Register(msgType, now, DeadlineAfter(now, timeout), timeout, options);
        }
        catch (IcpLimitException ex)
        {
            // A user can hit these at will: rate-limited, naming the session that hit it.
            if (_logLimits.PendingCallRefused.ShouldLog())
            {
                _logger.PendingCallRefused(IcpMessageTypes.NameOf(msgType), options.Caller?.SessionId, ex.Message);
            }

            throw;
        }

        try
        {
            sent = SendAsync(RpcMessages.Request(call.Tag, msgType, request));
        }
        catch
        {
            _pending.Remove(call);
            throw;
        }

        return call;
    }

    /// <summary>
    /// A Message box holds its call for as long as it is open, which its caller may ask to be for
    /// ever: no box holds one longer than <see cref="IcpOptions.MessageBoxMaxWait"/> and the margin
    /// for the RDS server to report it, so every box's call ends however the caller asked.
    /// </summary>
    private TimeSpan BoundedTimeout(uint msgType, TimeSpan timeout)
    {
        if (msgType != (uint)MsgType.Message)
        {
            return timeout;
        }

        var ceiling = _options.MessageBoxMaxWait + IcpCallOptions.MessageBoxMargin;
        return timeout == Timeout.InfiniteTimeSpan || timeout > ceiling ? ceiling : timeout;
    }

    /// <summary>
    /// A send that did not complete at once is only ever a writer waiting for the socket; if it
    /// fails, Abort has failed the call already. Observed here so its failure is never unobserved.
    /// </summary>
    private static Task ObserveSend(ValueTask sent) => sent.IsCompletedSuccessfully ? Task.CompletedTask : ObserveSendAsync(sent);

    private static async Task ObserveSendAsync(ValueTask sent)
    {
        try
        {
            await sent;
        }
        catch (IcpException)
        {
            // The pending call carries the failure.
        }
    }

    private async Task<RPCBase> AwaitCancellableAsync(PendingCall call, CancellationToken cancellationToken)
    {
        var registration = cancellationToken.UnsafeRegister(static (state, token) =>
        {
            var (connection, call) = ((IcpConnection, PendingCall))state!;
            if (connection._pending.Remove(call))
            {
                call.Cancel(token);
            }
        }, (this, call));
        try
        {
            return await call.Response;
        }
        finally
        {
            await registration.DisposeAsync();
        }
    }

    /// <summary>
    /// Fails every call waiting now with <paramref name="reason"/>, keeping the link: how a
    /// shutdown ends the calls still running after its grace without a cancellation
    /// registration on every call. Returns how many there were.
    /// </summary>
    public int AbandonPendingCalls(string reason) => _pending.AbandonAll(reason);

    /// <summary>The answer to one of our calls has arrived (on the reader).</summary>
    private void OnResponse(RPCBase response, bool nothingMoreBuffered)
    {
        var call = _pending.TakeAnswered(response.Tag);
        if (call is null)
        {
            if (_logLimits.UnknownTagResponse.ShouldLog())
            {
                _logger.UnknownTagResponse(response.Tag, response.MsgType, IcpMessageTypes.NameOf(response.MsgType));
            }

            return;
        }

        _metrics?.CallEnded(call.MsgType, _time.GetElapsedTime(call.StartedAt), response.Status == RPCStatus.Success ? IcpMetrics.Results.Ok : IcpMetrics.Results.Error);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.CallAnswered(IcpMessageTypes.NameOf(call.MsgType), call.Tag, response.Status.ToString(), ElapsedMs(call.StartedAt));
        }

        if (call.MayCompleteOnReader && !nothingMoreBuffered)
        {
            // More is buffered: gathered with the other reply paths of this read (ReplyPathBatch).
            (_replyBatch ??= new ReplyPathBatch()).Add(call, response);
            return;
        }

        // The batch gathered before this answer goes first: none of it waits behind this one.
        StartReplyBatch();
        call.Complete(response, nothingMoreBuffered);
    }

    /// <summary>Reply paths gathered by the reader from the current read (reader-owned).</summary>
    private ReplyPathBatch? _replyBatch;

    /// <summary>Hands the gathered reply paths to one thread-pool worker. The reader calls it before
    /// it completes a call inline, before it may wait, and when a read's frames are done.</summary>
    private void StartReplyBatch()
    {
        if (_replyBatch is { } batch)
        {
            _replyBatch = null;
            ThreadPool.UnsafeQueueUserWorkItem(batch, preferLocal: false);
        }
    }

    /// <summary>How often the tick runs: a timeout fires at most this late.</summary>
    private TimeSpan TickInterval
    {
        get
        {
            var shortest = _options.PingTimeout < _options.RequestTimeout ? _options.PingTimeout : _options.RequestTimeout;
            if (shortest == Timeout.InfiniteTimeSpan)
            {
                shortest = _options.PingTimeout == Timeout.InfiniteTimeSpan ? TimeSpan.FromSeconds(1) : _options.PingTimeout;
            }

            return TimeSpan.FromTicks(Math.Clamp(shortest.Ticks / 10, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromMilliseconds(250).Ticks));
        }
    }

    private void OnTick()
    {
        long now = _time.GetTimestamp();
        FailExpiredCalls(now);
        SendHeartbeatIfIdle(now);
    }

    private void FailExpiredCalls(long now)
    {
        var expired = _pending.TakeExpired(now);
        if (expired is null)
        {
            return;
        }

        foreach (var call in expired)
        {
            var name = IcpMessageTypes.NameOf(call.MsgType);
            _logger.CallTimedOut(name, call.Tag, ElapsedMs(call.StartedAt));
            _metrics?.CallEnded(call.MsgType, _time.GetElapsedTime(call.StartedAt, now), IcpMetrics.Results.Timeout);
            call.Fail(new IcpTimeoutException(name, call.Timeout) { Tag = call.Tag });
        }
    }

    /// <summary>
    /// While nothing arrives from a ready link, a Ping every <see cref="IcpOptions.PingInterval"/>;
    /// one unanswered for <see cref="IcpOptions.PingTimeout"/> means the RDS server is hung (a
    /// dead one is seen at once as the end of the stream): the link is broken so that every
    /// pending call fails now and the RDS server's reconnect is served.
    /// </summary>
    private void SendHeartbeatIfIdle(long now)
    {
        if (!_ready || _options.PingInterval == Timeout.InfiniteTimeSpan
            || _time.GetElapsedTime(Volatile.Read(ref _lastReceived), now) < _options.PingInterval
            || Interlocked.CompareExchange(ref _heartbeatInFlight, 1, 0) != 0)
        {
            return;
        }

        _ = HeartbeatAsync();
    }

    private async Task HeartbeatAsync()
    {
        try
        {
            var options = new IcpCallOptions { Timeout = _options.PingTimeout, IsHeartbeat = true };
            await CallAsync((uint)MsgType.Ping, new PingRequest(), options);
        }
        catch (IcpTimeoutException)
        {
            Abort(new IcpPeerUnresponsiveException(_options.PingTimeout));
        }
        catch (IcpConnectionLostException)
        {
            // The link ended meanwhile: its end is logged (RdsDisconnected).
        }
        catch (IcpException ex)
        {
            // No table limit refuses a Ping; what is left (the write queue is full) is said, since
            // the link goes unchecked until a Ping goes out (a peer that stopped reading is then
            // dropped by the write's own deadline).
            if (_logLimits.HeartbeatNotSent.ShouldLog())
            {
                _logger.HeartbeatNotSent(Peer, ex.Message);
            }
        }
        finally
        {
            Volatile.Write(ref _heartbeatInFlight, 0);
        }
    }

    private long DeadlineAfter(long now, TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return long.MaxValue;
        }

        double ticks = timeout.TotalSeconds * _time.TimestampFrequency;
        return ticks >= long.MaxValue - now ? long.MaxValue : now + (long)ticks;
    }
}
