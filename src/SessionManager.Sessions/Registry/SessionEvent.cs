using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SessionManager.Sessions.Registry;

public enum SessionEventKind
{
    Created,
    Connected,
    Disconnected,
    Reconnected,
    Ended,

    /// <summary>Remote control started: the session is Shadow.</summary>
    ShadowingStarted,

    /// <summary>Remote control ended: the session is Active again.</summary>
    ShadowingEnded,
}

/// <summary>One change of a session; <see cref="Session"/> is the state right after it.</summary>
public sealed record SessionEvent(SessionEventKind Kind, SessionRecord Session, string? Reason);

/// <summary>
/// The registry's events on one in-process stream: subscribers (metrics, an admin CLI, hooks)
/// get every event in order, one at a time, off the registry's lock. The registry publishes
/// under its lock (a non-blocking write to an unbounded queue), and one loop delivers, so the
/// order of the queue is the order of the changes.
/// </summary>
public sealed partial class SessionEventHub : IAsyncDisposable
{
    private readonly Channel<SessionEvent> _events = Channel.CreateUnbounded<SessionEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _publisher;
    private ImmutableArray<Func<SessionEvent, ValueTask>> _subscribers = [];

    private readonly ILogger _logger;

    public SessionEventHub(ILogger<SessionEventHub>? logger = null)
    {
        _logger = logger ?? NullLogger<SessionEventHub>.Instance;
        _publisher = Task.Run(PublishAsync);
    }

    public IDisposable Subscribe(Func<SessionEvent, ValueTask> subscriber)
    {
        ImmutableInterlocked.Update(ref _subscribers, static (list, s) => list.Add(s), subscriber);
        return new Subscription(this, subscriber);
    }

    internal void Publish(SessionEvent sessionEvent) => _events.Writer.TryWrite(sessionEvent);

    private async Task PublishAsync()
    {
        await foreach (var sessionEvent in _events.Reader.ReadAllAsync())
        {
            foreach (var subscriber in _subscribers)
            {
                try
                {
                    await subscriber(sessionEvent);
                }
                catch (Exception ex)
                {
                    // A subscriber's failure is its own: logged, and the others still get the event.
                    SubscriberFailed(_logger, sessionEvent.Kind.ToString(), sessionEvent.Session.Id, ex);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _events.Writer.TryComplete();
        await _publisher;
    }

    [LoggerMessage(3207, LogLevel.Error, "A session event subscriber failed on {Kind} of session {SessionId}; the other subscribers still get it")]
    private static partial void SubscriberFailed(ILogger logger, string kind, int sessionId, Exception exception);

    private sealed class Subscription(SessionEventHub stream, Func<SessionEvent, ValueTask> subscriber) : IDisposable
    {
        public void Dispose() => ImmutableInterlocked.Update(ref stream._subscribers, static (list, s) => list.Remove(s), subscriber);
    }
}
