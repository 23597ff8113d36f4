using SessionManager.Sessions.Logon;
using SessionManager.Sessions.Policies;
using SessionManager.Sessions.Registry;

namespace SessionManager.UnitTests.Sessions;

/// <summary>The policy table of SessionChooser (and README), row by row.</summary>
public class SessionChooserTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static SessionRecord Session(int id, SessionState state, string clientHost, uint? connectionId = null, int disconnectedMinutesAgo = 0) => new()
    {
        Id = id,
        State = state,
        User = "alice",
        IsGreeter = false,
        Backend = "desktop",
        PipeName = $"ogon_{id}_X11",
        BackendCookie = "b",
        OgonCookie = "o",
        ConnectionId = connectionId,
        MaxWidth = 1920,
        MaxHeight = 1200,
        CreatedAt = T0.AddHours(-1),
        DisconnectedAt = state == SessionState.Disconnected ? T0.AddMinutes(-disconnectedMinutesAgo) : null,
        Client = ClientInfo.None with { HostName = clientHost },
    };

    // The user has: session 2 Active from "pc1" (connection 7), session 3 Disconnected from "pc2"
    // 5 min ago, session 4 Disconnected from "pc1" 1 min ago. The logon comes from "pc2".
    private static readonly SessionRecord[] Existing =
    [
        Session(2, SessionState.Active, "pc1", connectionId: 7),
        Session(3, SessionState.Disconnected, "pc2", disconnectedMinutesAgo: 5),
        Session(4, SessionState.Disconnected, "pc1", disconnectedMinutesAgo: 1),
    ];

    [Theory]
    // reconnect, single, sameClient, from → reused (0 = new), ended first
    [InlineData(true, true, false, "pc2", 2, new[] { 3, 4 })]   // single: the attached one is taken over, the others end
    [InlineData(true, true, true, "pc2", 3, new[] { 2, 4 })]    // only pc2's session may be reused
    [InlineData(true, true, true, "pc9", 0, new[] { 2, 3, 4 })] // none from pc9: all end, a new one
    [InlineData(true, false, false, "pc2", 4, new int[0])]      // the most recently disconnected, others untouched
    [InlineData(true, false, true, "pc2", 3, new int[0])]       // the disconnected one from pc2
    [InlineData(true, false, true, "pc9", 0, new int[0])]       // none from pc9: a new one
    [InlineData(false, true, false, "pc2", 0, new[] { 2, 3, 4 })]
    [InlineData(false, true, true, "pc2", 0, new[] { 2, 3, 4 })]
    [InlineData(false, false, false, "pc2", 0, new int[0])]
    [InlineData(false, false, true, "pc2", 0, new int[0])]
    public void Each_policy_row_picks_as_documented(bool reconnect, bool singleSession, bool sameClient, string from, int reused, int[] endedFirst)
    {
        var policy = new SessionPolicy { Reconnect = reconnect, SingleSession = singleSession, ReconnectFromSameClient = sameClient };

        var choice = SessionChooser.Choose(policy, Existing, from);

        Assert.Equal(reused, choice.Reuse?.Id ?? 0);
        Assert.Equal(endedFirst, choice.EndFirst.Select(s => s.Id).Order());
    }

    [Fact]
    public void Without_sessions_a_logon_gets_a_new_one_whatever_the_policy()
    {
        foreach (bool reconnect in new[] { true, false })
        {
            foreach (bool singleSession in new[] { true, false })
            {
                var choice = SessionChooser.Choose(new SessionPolicy { Reconnect = reconnect, SingleSession = singleSession }, [], "pc");
                Assert.Null(choice.Reuse);
                Assert.Empty(choice.EndFirst);
            }
        }
    }

    [Fact]
    public void With_single_session_and_only_disconnected_sessions_the_most_recently_disconnected_is_reused()
    {
        var choice = SessionChooser.Choose(new SessionPolicy(), [Existing[1], Existing[2]], "pc2");

        Assert.Equal(4, choice.Reuse!.Id);
        Assert.Equal([3], choice.EndFirst.Select(s => s.Id));
    }
}
