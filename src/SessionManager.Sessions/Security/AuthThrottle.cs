using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SessionManager.Sessions.Security;

/// <summary>
/// Password guessing made slow and visible: failures of logonConnection and of RDP logons
/// (LogonUser, the greeter's AuthenticateUser) are counted per user and per client address;
/// after Auth:MaxFailures within Auth:FailureWindow, further attempts for that user or address
/// are refused without calling PAM until the window has passed. Every failure is logged in one
/// stable line for fail2ban (deploy/fail2ban).
/// </summary>
/// <remarks>
/// Bounded, because a spray of distinct names or client addresses (the address is the one the
/// client reports) would otherwise grow it for ever:
/// <list type="bullet">
/// <item>An entry (a user or an address) keeps at most MaxFailures + 1 times, and goes once its
/// newest failure has left the window: entries are kept in the order of their newest failure, so
/// the expired ones are taken from the front at each call, without a timer or a full scan.</item>
/// <item>At most Auth:MaxFailureEntries entries. At the cap, a user or address that has no entry
/// is refused without PAM until entries expire; entries are never evicted early, and a failure is
/// always recorded. Evicting (oldest or least used first) would let a spray of throw-away names
/// wipe a targeted user's count and give the attacker fresh guesses; not counting new names
/// would let the attacker guess a targeted user's password uncounted once the table is full.
/// Refusing new names errs on the safe side: nobody gets an uncounted guess, and the price, that
/// users who have not failed cannot log on while the table is full, needs an attacker to fail PAM
/// Auth:MaxFailureEntries / 2 times within one window (each refused attempt costs it nothing, but
/// adds nothing either), far more than PAM's delay on failure and Auth:MaxConcurrent let through.
/// The entries may pass the cap by the authentications in flight (MayTry saw room, PAM then
/// failed), which the daemon's request limits bound.</item>
/// </list>
/// </remarks>
public sealed partial class AuthThrottle(IOptionsMonitor<AuthThrottleOptions> options, TimeProvider time, ILogger<AuthThrottle> logger)
{
    private readonly Lock _sync = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Keys in the order of their newest failure, oldest first.</summary>
    private readonly LinkedList<string> _byNewestFailure = new();

    // Auth:MaxFailures and Auth:FailureWindow follow reloads; the failures counted so far are kept.
    private AuthThrottleOptions Options => options.CurrentValue;

    /// <summary>Users and addresses whose failures are currently counted.</summary>
    internal int TrackedKeys
    {
        get
        {
            lock (_sync)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Whether PAM may be asked for <paramref name="user"/> from <paramref name="clientAddress"/>; if not, why (and it is logged).</summary>
    public bool MayTry(string user, string clientAddress, string how, out string reason)
    {
        long now = time.GetTimestamp();
        lock (_sync)
        {
            Expire(now);
            reason = Refusal("user:" + user, "user", now) ?? (clientAddress.Length > 0 ? Refusal("address:" + clientAddress, "client address", now) : null) ?? "";
        }

        if (reason.Length == 0)
        {
            return true;
        }

        LogFailure(logger, user, clientAddress, how, reason);
        return false;
    }

    /// <summary>A failed authentication: counted, and logged for fail2ban.</summary>
    public void Failed(string user, string clientAddress, string how, string reason)
    {
        long now = time.GetTimestamp();
        lock (_sync)
        {
            Expire(now);
            Add("user:" + user, now);
            if (clientAddress.Length > 0)
            {
                Add("address:" + clientAddress, now);
            }
        }

        LogFailure(logger, user, clientAddress, how, reason);
    }

    private string? Refusal(string key, string what, long now)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            return Count(entry, now) >= Options.MaxFailures
                ? $"too many failures for this {what} (Auth:MaxFailures {Options.MaxFailures} within {Options.FailureWindow})"
                : null;
        }

        return _entries.Count >= Options.MaxFailureEntries
            ? $"too many users and client addresses failing at once (Auth:MaxFailureEntries {Options.MaxFailureEntries} within {Options.FailureWindow})"
            : null;
    }

    /// <summary>Drops the entries whose newest failure has left the window.</summary>
    private void Expire(long now)
    {
        while (_byNewestFailure.First is { } oldest && _entries.TryGetValue(oldest.Value, out var entry)
            && time.GetElapsedTime(entry.Newest, now) >= Options.FailureWindow)
        {
            _byNewestFailure.RemoveFirst();
            _entries.Remove(oldest.Value);
        }
    }

    private int Count(Entry entry, long now)
    {
        while (entry.Times.Count > 0 && time.GetElapsedTime(entry.Times.First!.Value, now) >= Options.FailureWindow)
        {
            entry.Times.RemoveFirst();
        }

        return entry.Times.Count;
    }

    private void Add(string key, long now)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            _byNewestFailure.Remove(entry.Node);
            _byNewestFailure.AddLast(entry.Node);
        }
        else
        {
            entry = new Entry(_byNewestFailure.AddLast(key));
            _entries.Add(key, entry);
        }

        entry.Newest = now;
        entry.Times.AddLast(now);
        // Only whether MaxFailures is reached matters: older times need not be kept.
        while (entry.Times.Count > Options.MaxFailures + 1)
        {
            entry.Times.RemoveFirst();
        }
    }

    /// <summary>A user's or an address's failure times (oldest first) and its place in the expiry order.</summary>
    private sealed class Entry(LinkedListNode<string> node)
    {
        public LinkedListNode<string> Node { get; } = node;

        public LinkedList<long> Times { get; } = new();

        public long Newest { get; set; }
    }

    /// <summary>The one line fail2ban's filter matches (deploy/fail2ban/filter.d/sessionmanager.conf): keep it stable.</summary>
    [LoggerMessage(3800, LogLevel.Warning, "Authentication failure for {User} from {ClientAddress} ({How}): {Reason}", EventName = "AuthenticationFailure")]
    private static partial void LogFailure(ILogger logger, string user, string clientAddress, string how, string reason);
}
