using Microsoft.Extensions.Configuration;
using SessionManager.Sessions.Policies;

namespace SessionManager.UnitTests.Sessions;

public class PolicyBookTests
{
    private static PolicyBook Read(Dictionary<string, string?> settings, out List<string> errors) =>
        PolicyBook.Read(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), out errors);

    [Fact]
    public void A_user_override_beats_a_group_override_which_beats_the_global_value()
    {
        var book = Read(new()
        {
            ["Sessions:Reconnect"] = "true",
            ["Sessions:DisconnectedTimeout"] = "00:02:00",
            ["Sessions:MaxWidth"] = "1600",
            ["Policies:Groups:staff:Sessions:DisconnectedTimeout"] = "infinite",
            ["Policies:Groups:staff:Sessions:MaxWidth"] = "2560",
            ["Policies:Groups:admins:Sessions:MaxWidth"] = "3840",
            ["Policies:Users:alice:Sessions:Reconnect"] = "no",
        }, out var errors);

        Assert.Empty(errors);
        var alice = book.For("alice", ["staff"]);
        Assert.False(alice.Reconnect);
        Assert.Equal(Timeout.InfiniteTimeSpan, alice.DisconnectedTimeout);
        Assert.Equal(2560, alice.MaxWidth);
        var bob = book.For("bob", []);
        Assert.True(bob.Reconnect);
        Assert.Equal(TimeSpan.FromMinutes(2), bob.DisconnectedTimeout);
        Assert.Equal(1600, bob.MaxWidth);

        // Two groups set the same key: the one whose name sorts first wins.
        Assert.Equal(3840, book.For("carol", ["staff", "admins"]).MaxWidth);
    }

    [Fact]
    public void Defaults_are_ogons()
    {
        var policy = Read([], out var errors).Global;

        Assert.Empty(errors);
        Assert.Equal((true, true, false), (policy.Reconnect, policy.SingleSession, policy.ReconnectFromSameClient));
        Assert.Equal(TimeSpan.FromMinutes(1), policy.DisconnectedTimeout);
        Assert.Equal((1920, 1200), (policy.MaxWidth, policy.MaxHeight));
        Assert.Equal(("desktop", "greeter"), (policy.Backend, policy.Greeter));
    }

    [Fact]
    public void Bad_values_are_reported_one_line_each_naming_the_key()
    {
        Read(new()
        {
            ["Sessions:Reconnect"] = "maybe",
            ["Policies:Users:alice:Sessions:DisconnectedTimeout"] = "soon",
            ["Policies:Groups:staff:Sessions:MaxSessions"] = "-1",
        }, out var errors);

        Assert.Equal(
            [
                "Sessions:Reconnect: must be true or false (got 'maybe')",
                "Policies:Groups:staff:Sessions:MaxSessions: must be a number, 0 or more (got '-1')",
                "Policies:Users:alice:Sessions:DisconnectedTimeout: must be a duration such as 00:01:00, or infinite (got 'soon')",
            ],
            errors);
    }
}
