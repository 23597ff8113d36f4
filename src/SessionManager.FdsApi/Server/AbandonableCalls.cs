using SessionManager.FdsApi.Generated;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// Gives the handler its own cancellation token, the one shutdown cancels when the grace period
/// ends. The generated processor passes a single token to the handler, to every read and write,
/// and to <c>TApplicationException.WriteAsync</c>, and all of those throw on a cancelled token;
/// so the processor runs with <see cref="CancellationToken.None"/> (a reply, once begun, is
/// always written) and only the handler's wait is ended by <paramref name="abandon"/>, which the
/// handler answers "shutting down".
/// </summary>
internal sealed class AbandonableCalls(fdsapi.IAsync handler, CancellationToken abandon) : fdsapi.IAsync
{
    public Task<TVersion> getVersionInfo(TVersion? versionInfo, CancellationToken cancellationToken = default) =>
        handler.getVersionInfo(versionInfo, abandon);

    public Task<TReturnLogonConnection> logonConnection(string? username, string? password, string? domain, CancellationToken cancellationToken = default) =>
        handler.logonConnection(username, password, domain, abandon);

    public Task<int> getPermissionForToken(string? authToken, CancellationToken cancellationToken = default) =>
        handler.getPermissionForToken(authToken, abandon);

    public Task<bool> logoffConnection(string? authToken, CancellationToken cancellationToken = default) =>
        handler.logoffConnection(authToken, abandon);

    public Task<int> ping(int input, CancellationToken cancellationToken = default) => handler.ping(input, abandon);

    public Task<TReturnVirtualChannelOpen> virtualChannelOpen(string? authToken, int sessionId, string? virtualName, bool isDynChannel, int flags, CancellationToken cancellationToken = default) =>
        handler.virtualChannelOpen(authToken, sessionId, virtualName, isDynChannel, flags, abandon);

    public Task<bool> virtualChannelClose(string? authToken, int sessionId, string? virtualName, int instance, CancellationToken cancellationToken = default) =>
        handler.virtualChannelClose(authToken, sessionId, virtualName, instance, abandon);

    public Task<bool> disconnectSession(string? authToken, int sessionId, bool wait, CancellationToken cancellationToken = default) =>
        handler.disconnectSession(authToken, sessionId, wait, abandon);

    public Task<bool> logoffSession(string? authToken, int sessionId, bool wait, CancellationToken cancellationToken = default) =>
        handler.logoffSession(authToken, sessionId, wait, abandon);

    public Task<TReturnEnumerateSession> enumerateSessions(string? authToken, int Version, CancellationToken cancellationToken = default) =>
        handler.enumerateSessions(authToken, Version, abandon);

    public Task<TReturnQuerySessionInformation> querySessionInformation(string? authToken, int sessionId, int infoClass, CancellationToken cancellationToken = default) =>
        handler.querySessionInformation(authToken, sessionId, infoClass, abandon);

    public Task<bool> startRemoteControlSession(string? authToken, int sourceLogonId, int targetLogonId, sbyte HotkeyVk, short HotkeyModifiers, int flags, CancellationToken cancellationToken = default) =>
        handler.startRemoteControlSession(authToken, sourceLogonId, targetLogonId, HotkeyVk, HotkeyModifiers, flags, abandon);

    public Task<bool> stopRemoteControlSession(string? authToken, int sourceLogonId, int targetLogonId, CancellationToken cancellationToken = default) =>
        handler.stopRemoteControlSession(authToken, sourceLogonId, targetLogonId, abandon);

    public Task<int> sendMessage(string? authToken, int sessionId, string? title, string? message, int style, int timeout, bool wait, CancellationToken cancellationToken = default) =>
        handler.sendMessage(authToken, sessionId, title, message, style, timeout, wait, abandon);
}
