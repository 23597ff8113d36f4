using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SessionManager.Sessions.Security;

namespace SessionManager.UnitTests.Sessions;

public class AuthThrottleTests
{
    private readonly FakeTimeProvider _time = new();

    private AuthThrottle Throttle(int max = 3) =>
        new(SessionManager.Icp.Settings.Reloadable.Fixed(new AuthThrottleOptions { MaxFailures = max, FailureWindow = TimeSpan.FromMinutes(1) }), _time, NullLogger<AuthThrottle>.Instance);

    [Fact]
    public void A_user_is_refused_after_the_allowed_failures_until_the_window_has_passed()
    {
        var throttle = Throttle();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(throttle.MayTry("alice", "10.0.0.1", "test", out _));
            throttle.Failed("alice", "10.0.0.1", "test", "bad password");
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.False(throttle.MayTry("alice", "10.0.0.9", "test", out string reason));
        Assert.Contains("this user", reason, StringComparison.Ordinal);
        Assert.True(throttle.MayTry("bob", "10.0.0.9", "test", out _));

        // The first failure leaves the window 60 s after it: one try is allowed again.
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.True(throttle.MayTry("alice", "10.0.0.9", "test", out _));
    }

    [Fact]
    public void An_address_is_refused_after_the_allowed_failures_whatever_the_user()
    {
        var throttle = Throttle(max: 2);
        throttle.Failed("alice", "10.0.0.1", "test", "bad");
        throttle.Failed("bob", "10.0.0.1", "test", "bad");

        Assert.False(throttle.MayTry("carol", "10.0.0.1", "test", out string reason));
        Assert.Contains("client address", reason, StringComparison.Ordinal);
        Assert.True(throttle.MayTry("carol", "10.0.0.2", "test", out _));
    }

    [Fact]
    public void A_spray_of_100000_distinct_names_and_addresses_in_one_window_keeps_the_table_bounded_and_a_real_users_failures_throttled()
    {
        var throttle = new AuthThrottle(SessionManager.Icp.Settings.Reloadable.Fixed(new AuthThrottleOptions()), _time, NullLogger<AuthThrottle>.Instance);
        int max = new AuthThrottleOptions().MaxFailures;
        for (int i = 0; i < max - 2; i++)
        {
            throttle.Failed("alice", "10.0.0.1", "test", "bad password");
        }

        Spray(throttle, 100_000, TimeSpan.FromMilliseconds(0.5));

        Assert.True(throttle.TrackedKeys <= new AuthThrottleOptions().MaxFailureEntries, $"{throttle.TrackedKeys} keys tracked");
        // alice's failures before the spray still count, and so do those while the table is full.
        Assert.True(throttle.MayTry("alice", "10.0.0.1", "test", out _));
        throttle.Failed("alice", "10.0.0.1", "test", "bad password");
        throttle.Failed("alice", "10.0.0.2", "test", "bad password");
        Assert.False(throttle.MayTry("alice", "10.0.0.3", "test", out string reason));
        Assert.Contains("this user", reason, StringComparison.Ordinal);
        // A name first seen while the table is full gets no uncounted guess: it is refused.
        Assert.False(throttle.MayTry("bob", "10.0.0.1", "test", out string full));
        Assert.Contains("Auth:MaxFailureEntries", full, StringComparison.Ordinal);

        // Once the window has passed, every entry has expired.
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(throttle.MayTry("alice", "10.0.0.1", "test", out _));
        Assert.True(throttle.MayTry("bob", "10.0.0.1", "test", out _));
        Assert.Equal(0, throttle.TrackedKeys);
    }

    [Fact]
    public void A_slow_spray_of_100000_names_is_bounded_by_expiry_to_what_one_window_holds()
    {
        var throttle = Throttle();
        // 100 names a second for 1000 s, window 60 s: about 6,000 names (12,000 keys) live at a time.
        Spray(throttle, 100_000, TimeSpan.FromMilliseconds(10));

        Assert.InRange(throttle.TrackedKeys, 1, 2 * 6_100);
    }

    /// <summary>One failure each for <paramref name="count"/> distinct names from as many addresses.</summary>
    private void Spray(AuthThrottle throttle, int count, TimeSpan interval)
    {
        for (int i = 0; i < count; i++)
        {
            string address = $"198.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}";
            if (throttle.MayTry($"spray{i}", address, "test", out _))
            {
                throttle.Failed($"spray{i}", address, "test", "no such user");
            }

            _time.Advance(interval);
        }
    }
}
