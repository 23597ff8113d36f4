using SessionManager.Icp.Errors;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Connection;

/// <summary>
/// The SM→RDS calls of one connection that await a response, keyed by tag. A call is
/// registered before its frame is written (a fast answer must find it); the answer, the
/// timeout sweep and a failed send each remove it. Once the connection is lost the table is
/// closed: all calls fail at once and no new call can register.
/// </summary>
internal sealed class PendingCallTable
{
    // A plain lock: it is held only for a dictionary operation, never across an await, and
    // completions run outside it. A successful call takes it twice (register, answer).
    private readonly Lock _sync = new();
    private readonly Dictionary<uint, PendingCall> _calls = [];

    // Calls in flight per caller, counted with the table under its lock, so a call counts against
    // its session and token exactly as long as it is in the table: until it ends, however it ends
    // (a sendMessage without wait included, whose Thrift call returned long before).
    private readonly Dictionary<int, int> _perSession = [];
    private readonly Dictionary<string, int> _perToken = new(StringComparer.Ordinal);
    private readonly PendingCallLimits _limits;
    private uint _lastTag;
    private Exception? _closedReason;

    public PendingCallTable(PendingCallLimits limits) => _limits = limits;

    /// <summary>A table bounded only in total (<c>Icp:MaxPendingCalls</c>).</summary>
    public PendingCallTable(int maxCalls)
        : this(PendingCallLimits.TotalOnly(maxCalls))
    {
    }

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
    /// <exception cref="IcpLimitException">the caller's session or token, or the table, has as many calls waiting as it may.</exception>
    public PendingCall Register(uint msgType, long startedAt, long deadline, TimeSpan timeout, in IcpCallOptions options)
    {
        lock (_sync)
        {
            if (_closedReason is not null)
            {
                throw new IcpConnectionLostException(IcpMessageTypes.NameOf(msgType), _closedReason);
            }

            // The caller's own bounds first: a user at their limit is told so, not that the link is full.
            var caller = options.Caller;
            if (caller is { } c && _perSession.GetValueOrDefault(c.SessionId) >= _limits.PerSession)
            {
                throw new IcpLimitException(
                    $"ICP {IcpMessageTypes.NameOf(msgType)} not sent: session {c.SessionId} has {_limits.PerSession} calls waiting for the RDS server already (Icp:MaxPendingCallsPerSession)");
            }

            if (caller is { Token: { } token } && _perToken.GetValueOrDefault(token) >= _limits.PerToken)
            {
                throw new IcpLimitException(
                    $"ICP {IcpMessageTypes.NameOf(msgType)} not sent: {_limits.PerToken} calls made with this token are waiting for the RDS server already (Icp:MaxPendingCallsPerToken)");
            }

            // The heartbeat is exempt: a full table must not stop the link's liveness check.
            if (!options.IsHeartbeat && _calls.Count >= _limits.Total)
            {
                throw new IcpLimitException(
                    $"ICP {IcpMessageTypes.NameOf(msgType)} not sent: {_limits.Total} calls are already waiting for the RDS server (Icp:MaxPendingCalls)");
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
            if (caller is { } counted)
            {
                _perSession[counted.SessionId] = _perSession.GetValueOrDefault(counted.SessionId) + 1;
                if (counted.Token is { } countedToken)
                {
                    _perToken[countedToken] = _perToken.GetValueOrDefault(countedToken) + 1;
                }
            }

            return call;
        }
    }

    /// <summary>Calls of <paramref name="sessionId"/> in the table now (tests, diagnostics).</summary>
    public int CountOfSession(int sessionId)
    {
        lock (_sync)
        {
            return _perSession.GetValueOrDefault(sessionId);
        }
    }

    /// <summary>Takes the call the response answers out of the table; null when no call has its tag (late or unknown).</summary>
    public PendingCall? TakeAnswered(uint tag)
    {
        lock (_sync)
        {
            return _calls.Remove(tag, out var call) ? Uncounted(call) : null;
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
                Uncounted(call);
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
                    Uncounted(call);
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
            ClearAll();
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
            ClearAll();
        }

        foreach (var call in failed)
        {
            call.Fail(new IcpConnectionLostException(IcpMessageTypes.NameOf(call.MsgType), reason) { Tag = call.Tag });
        }

        return failed.Length;
    }

    /// <summary>Takes a call that has left the table off its caller's counts (under the lock).</summary>
    private PendingCall Uncounted(PendingCall call)
    {
        if (call.Caller is { } caller)
        {
            Decrement(_perSession, caller.SessionId);
            if (caller.Token is { } token)
            {
                Decrement(_perToken, token);
            }
        }

        return call;
    }

    // An entry at 0 is removed: the maps hold only callers with calls in flight, however many
    // sessions and tokens come and go.
    private static void Decrement<TKey>(Dictionary<TKey, int> counts, TKey key)
        where TKey : notnull
    {
        int left = counts.GetValueOrDefault(key) - 1;
        if (left > 0)
        {
            counts[key] = left;
        }
        else
        {
            counts.Remove(key);
        }
    }

    private void ClearAll()
    {
        _calls.Clear();
        _perSession.Clear();
        _perToken.Clear();
    }
}
