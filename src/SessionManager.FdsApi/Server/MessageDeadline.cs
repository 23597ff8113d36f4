using System.Diagnostics;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// The time a client has to finish the message it has begun (FdsApi:FrameTimeout). Between
/// messages there is none: an idle client waits forever. Only a read that does not complete at
/// once arms the connection's one timer, so a message that arrives whole costs no timer at all.
/// </summary>
internal sealed class MessageDeadline(TimeSpan timeout) : IDisposable
{
    private long _startedAt;
    private long _received;
    private CancellationTokenSource? _timer;

    public bool IsRunning => _startedAt != 0;

    public TimeSpan Timeout => timeout;

    /// <summary>The first bytes of a message have arrived: the clock starts.</summary>
    public void Start(int received)
    {
        _startedAt = Stopwatch.GetTimestamp();
        _received = received;
    }

    /// <summary>The message is complete: back to waiting without a deadline.</summary>
    public void Stop() => _startedAt = 0;

    /// <summary>Reads more of the message, failing with <see cref="HalfSentMessageException"/> past the deadline.</summary>
    public async ValueTask<int> ReadAsync(Stream socket, Memory<byte> into)
    {
        var left = timeout - Stopwatch.GetElapsedTime(_startedAt);
        if (left <= TimeSpan.Zero)
        {
            throw new HalfSentMessageException(_received, timeout);
        }

        var timer = _timer ??= new CancellationTokenSource();
        var pending = socket.ReadAsync(into, timer.Token);
        bool armed = !pending.IsCompleted;
        if (armed)
        {
            timer.CancelAfter(left);
        }

        try
        {
            int read = await pending;
            _received += read;
            return read;
        }
        catch (OperationCanceledException ex) when (timer.IsCancellationRequested)
        {
            throw new HalfSentMessageException(_received, timeout, ex);
        }
        finally
        {
            // TryReset also disarms the timer; a source that fired cannot be reused.
            if (armed && !timer.TryReset())
            {
                timer.Dispose();
                _timer = null;
            }
        }
    }

    /// <summary>Frees the timer (the connection is closing).</summary>
    public void Dispose() => _timer?.Dispose();
}
