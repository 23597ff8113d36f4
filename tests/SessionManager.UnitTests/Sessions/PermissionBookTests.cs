using Microsoft.Extensions.Configuration;
using SessionManager.FdsApi.Handler;
using SessionManager.Sessions.Security;

namespace SessionManager.UnitTests.Sessions;

/// <summary>Which level applies to a user: user &gt; group &gt; global, between groups the name that sorts first.</summary>
public sealed class PermissionBookTests
{
    private static PermissionBook Book(params (string Key, string Value)[] settings) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(settings.ToDictionary(s => s.Key, s => (string?)s.Value)).Build());

    [Fact]
    public void Without_settings_everyone_is_a_guest()
    {
        Assert.Equal(PermissionFlags.Guest, Book().LevelOf("alice", ["users"]));
    }

    [Fact]
    public void A_user_setting_wins_over_a_group_and_a_group_over_the_global_level()
    {
        var book = Book(
            ("Permissions:Level", "USER"),
            ("Policies:Groups:admins:Permissions:Level", "FULL"),
            ("Policies:Users:alice:Permissions:Level", "GUEST"));

        Assert.Equal(PermissionFlags.Guest, book.LevelOf("alice", ["admins"]));
        Assert.Equal(PermissionFlags.Full, book.LevelOf("bob", ["staff", "admins"]));
        Assert.Equal(PermissionFlags.User, book.LevelOf("carol", ["staff"]));
    }

    [Fact]
    public void Between_two_groups_with_a_level_the_name_that_sorts_first_wins_whatever_their_order()
    {
        var book = Book(
            ("Policies:Groups:zeta:Permissions:Level", "FULL"),
            ("Policies:Groups:alpha:Permissions:Level", "0x0001"));

        Assert.Equal(0x0001, book.LevelOf("dave", ["zeta", "alpha"]));
        Assert.Equal(0x0001, book.LevelOf("dave", ["alpha", "zeta"]));
    }

    [Fact]
    public void A_level_that_does_not_parse_is_a_problem_and_does_not_apply()
    {
        var book = Book(("Policies:Users:erin:Permissions:Level", "ALL"), ("Permissions:Level", "USER"));

        Assert.Equal(PermissionFlags.User, book.LevelOf("erin", []));
        Assert.Equal("Policies:Users:erin:Permissions:Level: must be FULL, USER, GUEST or flags such as 0x0049 (got 'ALL')", Assert.Single(book.Problems()));
    }
}
