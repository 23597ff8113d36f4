using SessionManager.Sessions.Launcher;
using SessionManager.Sessions.Policies;

namespace SessionManager.Sessions.Registry;

/// <summary>
/// A session inside the registry. Every field is read and written under the registry's lock;
/// the outside sees <see cref="SessionRecord"/> snapshots. The runtime handles (backend process,
/// timer) are the only things a persisted session would have to re-acquire.
/// </summary>
internal sealed class Session(SessionRecord record, SessionPolicy policy)
{
    public SessionRecord Record { get; set; } = record;

    public SessionPolicy Policy { get; } = policy;

    public int Id => Record.Id;

    /// <summary>
    /// The RDS link of <see cref="SessionRecord.ConnectionId"/> (null when it has none): a
    /// connection is (link generation, id), since a restarted RDS numbers its connections from 1 again.
    /// </summary>
    public long? LinkGeneration { get; set; }

    public IBackendProcess? Backend { get; set; }

    public ITimer? DisconnectTimer { get; set; }

    /// <summary>Counts the session's disconnects; its timer carries the one it was started for.</summary>
    public long DisconnectGeneration { get; set; }

    /// <summary>The greeter answered SBP VersionInfo with major 1 (required before AuthenticateUser).</summary>
    public bool SbpCompatible { get; set; }

    /// <summary>Set once ending has begun: the end runs once.</summary>
    public Task? Ending { get; set; }

    public string? TokenFilePath { get; set; }

    /// <summary>The session token's entry in the registry's token index (its digest), removed when the session ends.</summary>
    public string? TokenHandle { get; set; }
}
