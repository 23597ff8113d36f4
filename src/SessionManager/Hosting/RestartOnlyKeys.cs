namespace SessionManager.Hosting;

/// <summary>
/// Keys a reload does not apply: what is bound, opened or created once at start (sockets,
/// ports, TLS files, directories), what chose the daemon's composition (token checks, routing,
/// log sinks), and the launcher pool and PAM settings its launchers were started with. A
/// reload that changes one names it in its log line; the running value stays until a restart.
/// </summary>
internal static class RestartOnlyKeys
{
    // Whole sections end with ':'; the rest are single keys (with their children, e.g. list items).
    private static readonly string[] Keys =
    [
        "Config:File",
        "Icp:SocketPath", "Icp:SocketMode",
        "FdsApi:Address", "FdsApi:Port", "FdsApi:Tls", "FdsApi:TlsCertificatePath", "FdsApi:TlsKeyPath", "FdsApi:TlsHandshakeTimeout",
        "FdsApi:RequireToken", "FdsApi:Routing",
        // One budget shared by every client, sized at start (FdsApiServer).
        "FdsApi:MaxBufferedBytes",
        // Sent as the box timeout by the fdsapi side (RdsClient), enforced by each connection: one value for both.
        "Icp:MessageBoxMaxWait",
        "Tls:", "Pipes:", "Properties:", "Launcher:",
        "Sessions:TokenDirectory",
        "Auth:PamService", "Auth:Timeout", "Auth:MaxConcurrent",
        "Log:Format", "Log:Console",
        // The exporter listens from start to stop.
        "Metrics:",
    ];

    public static bool Contains(string key) => Keys.Any(k => k.EndsWith(':')
        ? key.StartsWith(k, StringComparison.OrdinalIgnoreCase)
        : key.Equals(k, StringComparison.OrdinalIgnoreCase) || key.StartsWith(k + ":", StringComparison.OrdinalIgnoreCase));
}
