using SessionManager.FdsApi.Generated;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// Gives the handler its own cancellation token, one per connection: cancelled when the client
/// leaves while its call runs (<see cref="ClientDepartureWatch"/>, started as each call begins,
/// once its request has been read whole) or when shutdown abandons the calls still running after
/// the grace period. The generated processor passes a single token to the handler, to every
/// read and write, and to <c>TApplicationException.WriteAsync</c>, and all of those throw on a
/// cancelled token; so the processor runs with <see cref="CancellationToken.None"/> (a reply,
/// once begun, is always written) and only the handler's wait is ended by <paramref name="abandon"/>.
/// </summary>
internal sealed class AbandonableCalls(fdsapi.IAsync handler, CancellationToken abandon, ClientDepartureWatch? watch = null) : fdsapi.IAsync
{
    public Task<TVersion> getVersionInfo(TVersion? versionInfo, CancellationToken cancellationToken = default) =>
        handler.getVersionInfo(versionInfo, Begin());

    public Task<TReturnLogonConnection> logonConnection(string? username, string? password, string? domain, CancellationToken cancellationToken = default) =>
        handler.logonConnection(username, password, domain, Begin());

    public Task<int> getPermissionForToken(string? authToken, CancellationToken cancellationToken = default) =>
        handler.getPermissionForToken(authToken, Begin());

    public Task<bool> logoffConnection(string? authToken, CancellationToken cancellationToken = default) =>
        handler.logoffConnection(authToken, Begin());

    public Task<int> ping(int input, CancellationToken cancellationToken = default) => handler.ping(input, Begin());

    public Task<TReturnVirtualChannelOpen> virtualChannelOpen(string? authToken, int sessionId, string? virtualName, bool isDynChannel, int flags, CancellationToken cancellationToken = default) =>
        handler.virtualChannelOpen(authToken, sessionId, virtualName, isDynChannel, flags, Begin());

    public Task<bool> virtualChannelClose(string? authToken, int sessionId, string? virtualName, int instance, CancellationToken cancellationToken = default) =>
        handler.virtualChannelClose(authToken, sessionId, virtualName, instance, Begin());

    public Task<bool> disconnectSession(string? authToken, int sessionId, bool wait, CancellationToken cancellationToken = default) =>
        handler.disconnectSession(authToken, sessionId, wait, Begin());

    public Task<bool> logoffSession(string? authToken, int sessionId, bool wait, CancellationToken cancellationToken = default) =>
        handler.logoffSession(authToken, sessionId, wait, Begin());

    public Task<TReturnEnumerateSession> enumerateSessions(string? authToken, int Version, CancellationToken cancellationToken = default) =>
        handler.enumerateSessions(authToken, Version, Begin());

    public Task<TReturnQuerySessionInformation> querySessionInformation(string? authToken, int sessionId, int infoClass, CancellationToken cancellationToken = default) =>
        handler.querySessionInformation(authToken, sessionId, infoClass, Begin());

    public Task<bool> startRemoteControlSession(string? authToken, int sourceLogonId, int targetLogonId, sbyte HotkeyVk, short HotkeyModifiers, int flags, CancellationToken cancellationToken = default) =>
        handler.startRemoteControlSession(authToken, sourceLogonId, targetLogonId, HotkeyVk, HotkeyModifiers, flags, Begin());

    public Task<bool> stopRemoteControlSession(string? authToken, int sourceLogonId, int targetLogonId, CancellationToken cancellationToken = default) =>
        handler.stopRemoteControlSession(authToken, sourceLogonId, targetLogonId, Begin());

    public Task<int> sendMessage(string? authToken, int sessionId, string? title, string? message, int style, int timeout, bool wait, CancellationToken cancellationToken = default) =>
        handler.sendMessage(authToken, sessionId, title, message, style, timeout, wait, Begin());

    /// <summary>A call begins: its request has been read whole, so the socket can be watched.</summary>
    private CancellationToken Begin()
    {
        watch?.Watch();
        return abandon;
    }
}
