using SessionManager.FdsApi.Generated;

namespace SessionManager.FdsApi.Handler;

/// <summary>
/// The fdsapi methods that the session registry answers (disconnect and logoff with the
/// registry's bookkeeping, enumerate, query). Without one registered, disconnect/logoff only
/// ask the RDS server to close the connection and enumerate/query are not available.
/// </summary>
public interface ISessionDirectory
{
    /// <summary>Closes the session's RDP connection; the session stays, Disconnected. False if it has none.</summary>
    ValueTask<bool> DisconnectAsync(int sessionId, bool wait, CancellationToken cancellationToken);

    /// <summary>Closes its connection and ends the session. False if there is no such session.</summary>
    ValueTask<bool> LogoffAsync(int sessionId, bool wait, CancellationToken cancellationToken);

    IReadOnlyList<TSessionInfo> Enumerate();

    /// <summary>The RDS server started remote control from the session: it is now Shadow (until RemoteControlEnded).</summary>
    void RemoteControlStarted(int sessionId);

    TReturnQuerySessionInformation Query(int sessionId, int infoClass);
}
