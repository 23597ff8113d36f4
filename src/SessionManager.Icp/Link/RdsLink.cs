using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Logging;

namespace SessionManager.Icp.Link;

/// <summary>
/// The owner of the RDS link: which ICP connection holds the one slot, which one is current
/// (handshaken, used for calls), and the link's generation. Every change is published, in order
/// and off the I/O threads, to the subscribers (the session registry, metrics).
/// </summary>
public sealed class RdsLink : IIcpConnectionOwner, IAsyncDisposable
{
    private readonly Lock _sync = new();
    private readonly ILogger<RdsLink> _logger;
    private readonly Channel<RdsLinkEvent> _events = Channel.CreateUnbounded<RdsLinkEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _publisher;
    private ImmutableArray<Func<RdsLinkEvent, ValueTask>> _subscribers = [];
    private IcpConnection? _holder;
    private IcpConnection? _current;
    private long _generation;

    public RdsLink(ILogger<RdsLink> logger)
    {
        _logger = logger;
        _publisher = Task.Run(PublishAsync);
    }

    /// <summary>The handshaken connection calls go to; null while no RDS server is attached.</summary>
    public IcpConnection? Current => Volatile.Read(ref _current);

    /// <summary>The connection holding the slot, handshaken or not yet.</summary>
    public IcpConnection? Holder => Volatile.Read(ref _holder);

    public bool IsAttached => Current is not null;

    /// <summary>The generation of the current link, or of the last one.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>
    /// Receives every link event, in order, one at a time, on a thread of its own (never an I/O
    /// thread). A subscriber that throws is logged and keeps its subscription.
    /// </summary>
    public IDisposable Subscribe(Func<RdsLinkEvent, ValueTask> subscriber)
    {
        ImmutableInterlocked.Update(ref _subscribers, static (list, s) => list.Add(s), subscriber);
        return new Subscription(this, subscriber);
    }

    /// <summary>
    /// Gives <paramref name="connection"/> the slot unless a live connection holds it. A holder
    /// that has ended, or whose peer has already closed (a reconnect can be accepted before the
    /// reader sees the old close), is let go at once.
    /// </summary>
    public bool TryClaim(IcpConnection connection, out IcpConnection? liveHolder)
    {
        IcpConnection? stale;
        lock (_sync)
        {
            stale = _holder;
            if (stale is not null && !stale.ProbePeerGone())
            {
                liveHolder = stale;
                return false;
            }

            _holder = connection;
            liveHolder = null;
        }

        if (stale is not null)
        {
            _logger.StaleConnectionReplaced(connection.Peer);
            stale.Abort(new EndOfStreamException("RDS server closed the connection"));
        }

        return true;
    }

    void IIcpConnectionOwner.OnReady(IcpConnection connection)
    {
        long generation;
        lock (_sync)
        {
            if (!ReferenceEquals(_holder, connection) || connection.IsAborted)
            {
                return;
            }

            generation = Interlocked.Increment(ref _generation);
            connection.Generation = generation;
            Volatile.Write(ref _current, connection);
        }

        _logger.RdsConnected(connection.Peer, generation);
        _events.Writer.TryWrite(new RdsLinkEvent(RdsLinkEventKind.Attached, generation, connection.Peer, connection.PeerVersion, null));
    }

    void IIcpConnectionOwner.OnAborted(IcpConnection connection, Exception reason)
    {
        bool wasCurrent;
        lock (_sync)
        {
            if (ReferenceEquals(_holder, connection))
            {
                _holder = null;
            }

            wasCurrent = ReferenceEquals(_current, connection);
            if (wasCurrent)
            {
                Volatile.Write(ref _current, null);
            }
        }

        if (wasCurrent)
        {
            _logger.RdsLinkDetached(connection.Generation, connection.Peer, reason.Message);
            _events.Writer.TryWrite(new RdsLinkEvent(RdsLinkEventKind.Detached, connection.Generation, connection.Peer, connection.PeerVersion, reason.Message));
        }
    }

    private async Task PublishAsync()
    {
        await foreach (var linkEvent in _events.Reader.ReadAllAsync())
        {
            foreach (var subscriber in _subscribers)
            {
                try
                {
                    await subscriber(linkEvent);
                }
                catch (Exception ex)
                {
                    _logger.LinkSubscriberFailed(ex, linkEvent.Kind.ToString(), linkEvent.Generation);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _events.Writer.TryComplete();
        await _publisher;
    }

    private sealed class Subscription(RdsLink link, Func<RdsLinkEvent, ValueTask> subscriber) : IDisposable
    {
        public void Dispose() => ImmutableInterlocked.Update(ref link._subscribers, static (list, s) => list.Remove(s), subscriber);
    }
}
