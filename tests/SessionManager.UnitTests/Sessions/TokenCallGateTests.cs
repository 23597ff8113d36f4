using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SessionManager.FdsApi.Handler;
using SessionManager.Sessions.Policies;
using SessionManager.Sessions.Registry;
using SessionManager.Sessions.Security;

namespace SessionManager.UnitTests.Sessions;

/// <summary>
/// Who may do what, every method × token kind × own/other session × level, pinned by an explicit
/// table (not by re-running the rule). alice owns session 2, bob session 3; the caller acts on
/// session 3 ("other" for alice's tokens) or its own.
/// </summary>
public sealed class TokenCallGateTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly SessionEventHub _events = new();
    private readonly SessionRegistry _registry;
    private readonly LogonTokens _logonTokens;
    private readonly string _aliceSession = SessionRegistry.NewSecret(32);
    private readonly string _bobSession = SessionRegistry.NewSecret(32);
    private readonly string _aliceLogon;

    public TokenCallGateTests()
    {
        _registry = new SessionRegistry(_events, _time, NullLogger<SessionRegistry>.Instance);
        _logonTokens = new LogonTokens(SessionManager.Icp.Settings.Reloadable.Fixed(new TokenOptions()), _time);
        var alice = _registry.Create(new NewSession("alice", null, false, "desktop", id => $"p{id}", null, ClientInfo.None), new SessionPolicy());
        var bob = _registry.Create(new NewSession("bob", null, false, "desktop", id => $"p{id}", null, ClientInfo.None), new SessionPolicy());
        _registry.SetTokenFile(alice, "/nonexistent/2", _aliceSession);
        _registry.SetTokenFile(bob, "/nonexistent/3", _bobSession);
        _aliceLogon = _logonTokens.Issue("alice", []);
    }

    private static readonly int[] Sessions = [2, 3];

    private TokenCallGate Gate(string level) => new(_registry, _logonTokens,
        SessionManager.Icp.Settings.Reloadable.Fixed(new PermissionBook(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Permissions:Level"] = level }).Build())));

    public enum Kind { OwnSessionToken, OtherSessionToken, LogonTokenSameUser, LogonTokenOtherUser, NoToken, UnknownToken }

    /// <summary>The token and the session acted on for each kind: alice's tokens act on bob's session 3 unless "own".</summary>
    private (string? Token, int Session) Case(Kind kind) => kind switch
    {
        Kind.OwnSessionToken => (_aliceSession, 2),
        Kind.OtherSessionToken => (_aliceSession, 3),
        Kind.LogonTokenSameUser => (_aliceLogon, 2),
        Kind.LogonTokenOtherUser => (_aliceLogon, 3),
        Kind.NoToken => ("", 3),
        _ => ("not-a-token", 3),
    };

    // Per method: 6 kinds (in the enum's order) × 3 levels (GUEST USER FULL), A = allowed, D = denied.
    [Theory]
    [InlineData("virtualChannelOpen", "AAA DDA AAA DDA DDD DDD")]
    [InlineData("virtualChannelClose", "AAA DDA AAA DDA DDD DDD")]
    [InlineData("disconnectSession", "AAA DDA AAA DDA DDD DDD")]
    [InlineData("logoffSession", "AAA DDA AAA DDA DDD DDD")]
    [InlineData("sendMessage", "AAA DDA AAA DDA DDD DDD")]
    [InlineData("querySessionInformation", "AAA DAA AAA DAA DDD DDD")]
    [InlineData("ping", "AAA AAA AAA AAA AAA AAA")]
    [InlineData("getVersionInfo", "AAA AAA AAA AAA AAA AAA")]
    [InlineData("logonConnection", "AAA AAA AAA AAA AAA AAA")]
    public void Each_method_is_allowed_exactly_as_the_table_says(string method, string table)
    {
        var expected = table.Replace(" ", "", StringComparison.Ordinal);
        int i = 0;
        foreach (var kind in Enum.GetValues<Kind>())
        {
            foreach (var level in new[] { "GUEST", "USER", "FULL" })
            {
                var (token, session) = Case(kind);
                var admission = Gate(level).Admit(new FdsApiCall(method, token, session));
                Assert.True(admission.Allowed == (expected[i] == 'A'), $"{method} {kind} {level}: {(admission.Allowed ? "allowed" : "denied: " + admission.DenialReason)}");
                if (!admission.Allowed && !string.IsNullOrEmpty(token))
                {
                    Assert.DoesNotContain(token, admission.DenialReason ?? "", StringComparison.Ordinal);
                }

                i++;
            }
        }
    }

    [Theory]
    [InlineData("startRemoteControlSession")]
    [InlineData("stopRemoteControlSession")]
    public void Remote_control_needs_the_flag_for_the_target_and_is_asked_from_the_callers_own_session(string method)
    {
        // From alice's own session 2 onto bob's 3: REMOTE_CONTROL (0x4) is in FULL only.
        Assert.False(Gate("USER").Admit(new FdsApiCall(method, _aliceSession, 2, 3)).Allowed);
        Assert.True(Gate("FULL").Admit(new FdsApiCall(method, _aliceSession, 2, 3)).Allowed);

        // A session token naming another session as the source is refused whatever the level.
        var fromOther = Gate("FULL").Admit(new FdsApiCall(method, _aliceSession, 3, 2));
        Assert.False(fromOther.Allowed);
        Assert.Contains("own session 2", fromOther.DenialReason, StringComparison.Ordinal);
    }

    [Fact]
    public void WTS_CURRENT_SESSION_with_a_session_token_acts_on_that_session()
    {
        var admission = Gate("GUEST").Admit(new FdsApiCall("virtualChannelOpen", _aliceSession, TokenCallGate.CurrentSession));

        Assert.True(admission.Allowed);
        Assert.Equal(2, admission.SessionId);
        Assert.False(Gate("FULL").Admit(new FdsApiCall("virtualChannelOpen", _aliceLogon, TokenCallGate.CurrentSession)).Allowed);
    }

    [Fact]
    public void Enumerate_sees_only_what_the_token_may_query()
    {
        Assert.True(Gate("GUEST").Admit(new FdsApiCall("enumerateSessions", _aliceLogon)).Allowed);
        Assert.False(Gate("FULL").Admit(new FdsApiCall("enumerateSessions", "bogus")).Allowed);

        Assert.Equal([2], Sessions.Where(s => Gate("GUEST").MaySee(_aliceSession, s)));
        Assert.Equal([2, 3], Sessions.Where(s => Gate("USER").MaySee(_aliceSession, s)));
        Assert.DoesNotContain(Sessions, s => Gate("FULL").MaySee("bogus", s));
    }

    [Fact]
    public void A_logon_token_expires_after_its_lifetime_and_a_revoked_one_is_gone()
    {
        Assert.True(Gate("GUEST").Admit(new FdsApiCall("virtualChannelOpen", _aliceLogon, 2)).Allowed);

        _time.Advance(TimeSpan.FromHours(8));
        Assert.False(Gate("GUEST").Admit(new FdsApiCall("virtualChannelOpen", _aliceLogon, 2)).Allowed);

        string fresh = _logonTokens.Issue("alice", []);
        Assert.True(_logonTokens.Revoke(fresh));
        Assert.False(Gate("FULL").Admit(new FdsApiCall("virtualChannelOpen", fresh, 2)).Allowed);
        Assert.False(_logonTokens.Revoke(fresh));
    }

    [Fact]
    public void An_ended_sessions_token_is_no_longer_valid()
    {
        _registry.BeginEnd(_registry.Get(2)!, "test");

        Assert.False(Gate("FULL").Admit(new FdsApiCall("virtualChannelOpen", _aliceSession, 3)).Allowed);
    }

    public async ValueTask DisposeAsync() => await _events.DisposeAsync();
}
