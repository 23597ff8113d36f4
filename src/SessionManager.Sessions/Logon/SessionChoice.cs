using SessionManager.Sessions.Policies;
using SessionManager.Sessions.Registry;

namespace SessionManager.Sessions.Logon;

/// <summary>What a logon of an authenticated user leads to.</summary>
/// <param name="Reuse">The existing session to attach (reconnect or takeover), or null for a new one.</param>
/// <param name="EndFirst">Sessions of the user that must end before the new one starts.</param>
public sealed record SessionChoice(SessionRecord? Reuse, IReadOnlyList<SessionRecord> EndFirst);

/// <summary>
/// The policy table, pinned by a parametrised test and in README ("Which session a logon gets"):
///
/// | Reconnect | SingleSession | FromSameClient | outcome |
/// |---|---|---|---|
/// | yes | yes | no  | the user's session is reused (taken over if attached); none: a new one |
/// | yes | yes | yes | a session last used from this client is reused; the user's other sessions end, then a new one |
/// | yes | no  | no  | a Disconnected session is reused; none: a new one (attached ones are left alone) |
/// | yes | no  | yes | a Disconnected session from this client is reused; none: a new one |
/// | no  | yes | any | the user's sessions end, then a new one |
/// | no  | no  | any | a new one, the others left alone |
///
/// Among several candidates the most recently disconnected wins (attached ones count as
/// disconnected now), then the highest id: deterministic.
/// </summary>
public static class SessionChooser
{
    public static SessionChoice Choose(SessionPolicy policy, IReadOnlyList<SessionRecord> usersSessions, string clientHostName)
    {
        var live = usersSessions.Where(s => s.State is not SessionState.Down).ToList();
        if (!policy.Reconnect)
        {
            return new SessionChoice(null, policy.SingleSession ? live : []);
        }

        var candidates = live.Where(s => s.State is SessionState.Disconnected or SessionState.Active or SessionState.Shadow);
        if (!policy.SingleSession)
        {
            candidates = candidates.Where(s => s.State == SessionState.Disconnected);
        }

        if (policy.ReconnectFromSameClient)
        {
            candidates = candidates.Where(s => string.Equals(s.Client.HostName, clientHostName, StringComparison.Ordinal));
        }

        var reuse = candidates
            .OrderByDescending(s => s.ConnectionId is null ? s.DisconnectedAt ?? s.CreatedAt : DateTimeOffset.MaxValue)
            .ThenByDescending(s => s.Id)
            .FirstOrDefault();
        if (reuse is not null)
        {
            return new SessionChoice(reuse, policy.SingleSession ? [.. live.Where(s => s.Id != reuse.Id)] : []);
        }

        return new SessionChoice(null, policy.SingleSession ? live : []);
    }
}
