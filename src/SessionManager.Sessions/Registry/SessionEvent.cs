using System.Collections.Immutable;
using System.Threading.Channels;

namespace SessionManager.Sessions.Registry;

public enum SessionEventKind
{
    Created,
    Connected,
    Disconnected,
    Reconnected,
    Ended,
}

/// <summary>One change of a session; <see cref="Session"/> is the state right after it.</summary>
public sealed record SessionEvent(SessionEventKind Kind, SessionRecord Session, string? Reason);

/// <summary>
/// The registry's events on one in-process stream: subscribers (metrics, an admin CLI, hooks)
/// get every event in order, one at a time, off the registry's lock.
/// </summary>
public sealed class SessionEventHub : IAsyncDisposable
{
    private readonly Channel<SessionEvent> _events = Channel.CreateUnbounded<SessionEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _publisher;
    private ImmutableArray<Func<SessionEvent, ValueTask>> _subscribers = [];

    public SessionEventHub() => _publisher = Task.Run(PublishAsync);

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
                catch (Exception)
                {
                    // A subscriber's failure is its own; the others still get the event.
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _events.Writer.TryComplete();
        await _publisher;
    }

    private sealed class Subscription(SessionEventHub stream, Func<SessionEvent, ValueTask> subscriber) : IDisposable
    {
        public void Dispose() => ImmutableInterlocked.Update(ref stream._subscribers, static (list, s) => list.Remove(s), subscriber);
    }
}
