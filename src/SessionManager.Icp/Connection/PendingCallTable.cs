using SessionManager.Icp.Errors;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Connection;

/// <summary>
/// The SM→RDS calls of one connection that await a response, keyed by tag. A call is
/// registered before its frame is written (a fast answer must find it) and removed on every
/// exit. Once the connection is lost the table is closed: all calls fail at once and no new
/// call can register.
/// </summary>
internal sealed class PendingCallTable
{
    // A plain lock: it is held only for a dictionary operation, never across an await, and
    // completions run outside it.
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
    public PendingCall Register(uint msgType, long deadline = long.MaxValue)
    {
        lock (_sync)
        {
            if (_closedReason is not null)
            {
                throw new IcpConnectionLostException(IcpMessageTypes.NameOf(msgType), _closedReason);
            }

            // Tags are per connection and wrap after 2^32 calls; skip any still in use.
            uint tag;
            do
            {
                tag = unchecked(++_lastTag);
            }
            while (_calls.ContainsKey(tag));

            var call = new PendingCall(tag, msgType, deadline);
            _calls.Add(tag, call);
            return call;
        }
    }

    /// <summary>Completes the call the response answers; false when no call has its tag (late or unknown).</summary>
    public bool TryComplete(RPCBase response, out PendingCall? call)
    {
        lock (_sync)
        {
            if (!_calls.Remove(response.Tag, out call))
            {
                return false;
            }
        }

        return call.TryComplete(response);
    }

    public void Remove(PendingCall call)
    {
        lock (_sync)
        {
            if (_calls.TryGetValue(call.Tag, out var registered) && ReferenceEquals(registered, call))
            {
                _calls.Remove(call.Tag);
            }
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
