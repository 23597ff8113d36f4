namespace SessionManager.Testing.BackendProtocol;

/// <summary>
/// What the RDS knows when it activates a connection: the cookies of LogonUser's (or
/// SwitchTo's) answer, the client's desktop size and the RDS connection id.
/// </summary>
public sealed record BackendActivation(string OgonCookie, string BackendCookie, uint Width, uint Height, uint ConnectionId);
