namespace SessionManager.FdsApi.Handler;

/// <summary>
/// Which ICP connection serves a session: the one place that decides it. The session registry
/// (a later issue) replaces <see cref="IdentitySessionRouting"/>.
/// </summary>
public interface ISessionRouting
{
    uint ConnectionIdFor(int sessionId);
}

/// <summary>
/// FreeRDS-era routing: the fdsapi sessionId is sent as the ICP connectionId. The 32 bits are
/// reinterpreted, so WTS_CURRENT_SESSION (-1 as i32) arrives as 0xFFFFFFFF.
/// </summary>
public sealed class IdentitySessionRouting : ISessionRouting
{
    public uint ConnectionIdFor(int sessionId) => unchecked((uint)sessionId);
}
