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
public sealed partial class AuthThrottle(IOptionsMonitor<AuthThrottleOptions> options, TimeProvider time, ILogger<AuthThrottle> logger)
{
    private readonly Lock _sync = new();
    private readonly Dictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    // Auth:MaxFailures and Auth:FailureWindow follow reloads; the failures counted so far are kept.
    private AuthThrottleOptions Options => options.CurrentValue;

    /// <summary>Whether PAM may be asked for <paramref name="user"/> from <paramref name="clientAddress"/>; if not, why (and it is logged).</summary>
    public bool MayTry(string user, string clientAddress, string how, out string reason)
    {
        var now = time.GetUtcNow();
        lock (_sync)
        {
            bool userBlocked = Count("user:" + user, now) >= Options.MaxFailures;
            bool addressBlocked = clientAddress.Length > 0 && Count("address:" + clientAddress, now) >= Options.MaxFailures;
            if (!userBlocked && !addressBlocked)
            {
                reason = "";
                return true;
            }

            reason = $"too many failures for this {(userBlocked ? "user" : "client address")} (Auth:MaxFailures {Options.MaxFailures} within {Options.FailureWindow})";
        }

        LogFailure(logger, user, clientAddress, how, reason);
        return false;
    }

    /// <summary>A failed authentication: counted, and logged for fail2ban.</summary>
    public void Failed(string user, string clientAddress, string how, string reason)
    {
        var now = time.GetUtcNow();
        lock (_sync)
        {
            Add("user:" + user, now);
            if (clientAddress.Length > 0)
            {
                Add("address:" + clientAddress, now);
            }
        }

        LogFailure(logger, user, clientAddress, how, reason);
    }

    private int Count(string key, DateTimeOffset now)
    {
        if (!_failures.TryGetValue(key, out var times))
        {
            return 0;
        }

        while (times.Count > 0 && now - times.Peek() >= Options.FailureWindow)
        {
            times.Dequeue();
        }

        if (times.Count == 0)
        {
            _failures.Remove(key);
        }

        return times.Count;
    }

    private void Add(string key, DateTimeOffset now)
    {
        Count(key, now);
        if (!_failures.TryGetValue(key, out var times))
        {
            // Bounded: at most MaxFailures + 1 times per key are ever kept, and keys expire.
            _failures[key] = times = new Queue<DateTimeOffset>();
        }

        times.Enqueue(now);
        while (times.Count > Options.MaxFailures + 1)
        {
            times.Dequeue();
        }
    }

    /// <summary>The one line fail2ban's filter matches (deploy/fail2ban/filter.d/sessionmanager.conf): keep it stable.</summary>
    [LoggerMessage(3800, LogLevel.Warning, "Authentication failure for {User} from {ClientAddress} ({How}): {Reason}", EventName = "AuthenticationFailure")]
    private static partial void LogFailure(ILogger logger, string user, string clientAddress, string how, string reason);
}
