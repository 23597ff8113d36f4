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
}
