namespace SessionManager.Testing;

/// <summary>
/// One RDP client as the ogon RDS reports it over ICP (LogonUser's fields, SESSIONS.md §2.1).
/// The constants are what the RDS always sends: product id 1, hardware id 0, protocol RDP (2).
/// </summary>
public sealed record OgonClientConnection(
    uint ConnectionId,
    string Username,
    string Password,
    string Domain = "",
    uint Width = 1024,
    uint Height = 768,
    uint ColorDepth = 32,
    string ClientHostName = "standin-client",
    string ClientAddress = "192.0.2.10",
    uint ClientBuildNumber = 2600);
