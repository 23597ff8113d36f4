using SessionManager.FdsApi.Generated;
using SessionManager.FdsApi.Handler;
using SessionManager.Sessions.Logon;
using SessionManager.Sessions.Registry;

namespace SessionManager.Sessions.FdsApi;

/// <summary>The fdsapi methods answered from the session registry (FDSAPI.md).</summary>
public sealed class RegistrySessionDirectory(SessionService sessions, TimeProvider time) : ISessionDirectory
{
    private SessionRegistry Registry => sessions.Registry;

    public async ValueTask<bool> DisconnectAsync(int sessionId, bool wait, CancellationToken cancellationToken)
    {
        if (Registry.Find(sessionId) is not { ConnectionId: not null })
        {
            return false;
        }

        var disconnecting = sessions.DisconnectAsync(sessionId);
        return !wait || await disconnecting;
    }

    public async ValueTask<bool> LogoffAsync(int sessionId, bool wait, CancellationToken cancellationToken)
    {
        if (Registry.Find(sessionId) is null)
        {
            return false;
        }

        var ending = sessions.EndAsync(sessionId, "logged off by an fdsapi client", logoffConnection: true);
        if (wait)
        {
            await ending;
        }

        return true;
    }

    public void RemoteControlStarted(int sessionId) => sessions.ShadowingStarted(sessionId);

    public IReadOnlyList<TSessionInfo> Enumerate() =>
        [.. Registry.All().Select(s => new TSessionInfo { SessionId = s.Id, WinStationName = s.WinStationName, ConnectState = s.State.ToWtsConnectState() })];

    public TReturnQuerySessionInformation Query(int sessionId, int infoClass)
    {
        if (Registry.Find(sessionId) is not { } s)
        {
            return new TReturnQuerySessionInformation { ReturnValue = false };
        }

        var value = SessionInformation.Of(s, infoClass, time.GetUtcNow());
        return value is null
            ? new TReturnQuerySessionInformation { ReturnValue = false }
            : new TReturnQuerySessionInformation { ReturnValue = true, InfoValue = value };
    }
}
