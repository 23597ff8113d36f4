using SessionManager.Icp.Errors;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Connection;

/// <summary>
/// The SM→RDS calls of one connection that await a response, keyed by tag. A call is
/// registered before its frame is written (a fast answer must find it); the answer, the
/// timeout sweep and a failed send each remove it. Once the connection is lost the table is
/// closed: all calls fail at once and no new call can register.
/// </summary>
internal sealed class PendingCallTable(int maxCalls)
{
    // A plain lock: it is held only for a dictionary operation, never across an await, and
    // completions run outside it. A successful call takes it twice (register, answer).
    private readonly Lock _sync = new();
    private readonly Dictionary<uint, PendingCall> _calls = [];
    private uint _lastTag;
    private Exception? _closedReason;

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _calls.Count;
            }
        }
    }

    /// <exception cref="IcpConnectionLostException">the table is closed.</exception>
    /// <exception cref="IcpLimitException"><c>Icp:MaxPendingCalls</c> calls are already waiting.</exception>
    public PendingCall Register(uint msgType, long startedAt, long deadline, TimeSpan timeout, in IcpCallOptions options)
    {
        lock (_sync)
        {
            if (_closedReason is not null)
            {
                throw new IcpConnectionLostException(IcpMessageTypes.NameOf(msgType), _closedReason);
            }

            if (_calls.Count >= maxCalls)
            {
                throw new IcpLimitException(
                    $"ICP {IcpMessageTypes.NameOf(msgType)} not sent: {maxCalls} calls are already waiting for the RDS server (Icp:MaxPendingCalls)");
            }

            // Tags are per connection and wrap after 2^32 calls; skip any still in use.
            uint tag;
            do
            {
                tag = unchecked(++_lastTag);
            }
            while (_calls.ContainsKey(tag));

            var call = new PendingCall(tag, msgType, startedAt, deadline, timeout, options);
            _calls.Add(tag, call);
            return call;
        }
    }

    /// <summary>Takes the call the response answers out of the table; null when no call has its tag (late or unknown).</summary>
    public PendingCall? TakeAnswered(uint tag)
    {
        lock (_sync)
        {
            return _calls.Remove(tag, out var call) ? call : null;
        }
    }

    /// <summary>Removes the call if it is still registered; true if it was (so this caller ends it).</summary>
    public bool Remove(PendingCall call)
    {
        lock (_sync)
        {
            if (_calls.TryGetValue(call.Tag, out var registered) && ReferenceEquals(registered, call))
            {
                _calls.Remove(call.Tag);
                return true;
            }

            return false;
        }
    }

    /// <summary>
    /// Removes the calls whose deadline has passed and returns them, for the caller to fail
    /// outside the lock. One sweep of the table replaces a timer per call.
    /// </summary>
    public List<PendingCall>? TakeExpired(long now)
    {
        List<PendingCall>? expired = null;
        lock (_sync)
        {
            foreach (var call in _calls.Values)
            {
                if (call.Deadline <= now)
                {
                    (expired ??= []).Add(call);
                }
            }

            if (expired is not null)
            {
                foreach (var call in expired)
                {
                    _calls.Remove(call.Tag);
                }
            }
        }

        return expired;
    }

    /// <summary>Fails every call pending now, with the table left open (shutdown's grace is over); returns how many.</summary>
    public int AbandonAll(string reason)
    {
        PendingCall[] abandoned;
        lock (_sync)
        {
            abandoned = [.. _calls.Values];
            _calls.Clear();
        }

        foreach (var call in abandoned)
        {
            call.Fail(new IcpCallAbandonedException(IcpMessageTypes.NameOf(call.MsgType), reason) { Tag = call.Tag });
        }

        return abandoned.Length;
    }

    /// <summary>Closes the table and fails every pending call; returns how many there were.</summary>
    public int FailAll(Exception reason)
    {
        PendingCall[] failed;
        lock (_sync)
        {
            _closedReason ??= reason;
            failed = [.. _calls.Values];
            _calls.Clear();
        }

        foreach (var call in failed)
        {
            call.Fail(new IcpConnectionLostException(IcpMessageTypes.NameOf(call.MsgType), reason) { Tag = call.Tag });
        }

        return failed.Length;
    }
}
