namespace SessionManager.Hosting;

/// <summary>One configuration key as the operator sees it.</summary>
/// <param name="Default">as written in appsettings.json or on the command line.</param>
public sealed record ConfigurationKey(string Key, string Default, string Meaning);

/// <summary>
/// Every configuration key, its default and what it means: the one list behind <c>--help</c>,
/// kept equal to README's Configuration table and to the options classes by tests.
/// </summary>
public static class ConfigurationKeys
{
    public static IReadOnlyList<ConfigurationKey> All { get; } =
    [
        new("Icp:SocketPath", "/tmp/.pipe/FreeRDS_SessionManager",
            "Unix socket the RDS server connects to (ogon-rdp-server: /tmp/.pipe/ogon_SessionManager); absolute, at most 107 bytes. A socket left by a dead daemon is replaced; any other file there stops start-up. <path>.lock beside it is locked while the daemon runs. Removed at shutdown"),
        new("Icp:SocketMode", "0660", "file mode of the socket, octal; a mode that lets others write, or with setuid/setgid/sticky bits, is refused"),
        new("Icp:RequestTimeout", "00:00:10", "how long an SM->RDS call may wait for its answer"),
        new("Icp:MaxFrameBytes", "1048576", "largest ICP frame accepted; a larger one closes the connection"),
        new("Icp:MaxPendingCalls", "4096", "most SM->RDS calls waiting for their answers at once; a call beyond that fails at once"),
        new("Icp:MaxConcurrentRequests", "256", "most RDS->SM requests handled at once"),
        new("Icp:PingInterval", "00:00:10", "how often the RDS server is pinged"),
        new("Icp:PingTimeout", "00:00:05", "a ping unanswered for this long closes the connection"),
        new("Icp:AllowedUids", "[0]", "uids (SO_PEERCRED) allowed to connect as the RDS server; on the command line --Icp:AllowedUids:0=0 --Icp:AllowedUids:1=UID"),
        new("FdsApi:Address", "127.0.0.1", "Thrift listen address"),
        new("FdsApi:Port", "9091", "Thrift listen port (0: any free port)"),
        new("FdsApi:MaxConnections", "1024", "most Thrift connections at once"),
        new("FdsApi:MaxFrameBytes", "1048576", "largest Thrift message accepted"),
        new("FdsApi:FrameTimeout", "00:00:05", "how long a client may take to send the rest of a message it has begun"),
        new("FdsApi:ShutdownGracePeriod", "00:00:03", "on SIGTERM, how long calls in progress may still finish"),
        new("FdsApi:Routing", "sessions", "sessions: an fdsapi sessionId names a session of the registry; connection: it is the RDS connectionId (FreeRDS-era rule, for test rigs)"),
        new("Sessions:LogonBudget", "00:00:08", "the whole LogonUser answer is sent within this, whatever PAM or the backend do (less than the RDS server's 10 s)"),
        new("Sessions:Reconnect", "true", "a user's existing session may be reused (reconnect); false: every logon gets a new session and a disconnected session ends at once"),
        new("Sessions:SingleSession", "true", "at most one session per user: a second logon takes the first over (LogoffUserSession to its connection first) or ends the others"),
        new("Sessions:ReconnectFromSameClient", "false", "reconnect only to a session last used from the same client host name"),
        new("Sessions:DisconnectedTimeout", "00:01:00", "how long a disconnected session is kept; 00:00:00 ends it at disconnect; infinite keeps it"),
        new("Sessions:MaxSessions", "0", "sessions on this host (0: no limit); past it LogonUser fails naming this key"),
        new("Sessions:MaxSessionsPerUser", "0", "sessions of one user (0: no limit)"),
        new("Sessions:MaxWidth", "1920", "largest display granted (maxWidth; 0: no limit)"),
        new("Sessions:MaxHeight", "1200", "largest display granted (maxHeight; 0: no limit)"),
        new("Sessions:Backend", "desktop", "the Backends:<name> of user sessions"),
        new("Sessions:Greeter", "greeter", "the Backends:<name> shown for missing or wrong credentials; empty: no greeter (the logon fails)"),
        new("Sessions:OnShutdown", "logoff", "at SIGTERM: logoff ends every session cleanly; keep leaves them running"),
        new("Sessions:TokenDirectory", "/tmp", "where each session's token file ogon.session.<sid> is written (libogon-otsapi reads /tmp)"),
        new("Sessions:LogoffTimeout", "00:00:10", "how long LogoffUserSession and SwitchTo may take at the RDS server"),
        new("Policies:Groups:<group>:Sessions:<key>", "", "any Sessions policy key above, for the members of a group (user > group > global; between groups, the name that sorts first)"),
        new("Policies:Users:<user>:Sessions:<key>", "", "any Sessions policy key above, for one user (after PAM has canonicalised the name)"),
        new("Backends:<name>:Command", "", "argv list; placeholders {SessionId} {Endpoint} {EndpointPath} {Display} {Width} {Height} {ColorDepth} {User}. Shipped: desktop starts ogon-backend-x on {Display} then ogonXsession; greeter starts ogon-qt-greeter -platform ogon"),
        new("Backends:<name>:Endpoint", "", "pipe-name pattern of the backend's endpoint (desktop: ogon_{Display}_X11, greeter: ogon_{SessionId}_Qt)"),
        new("Backends:<name>:User", "", "empty: the session's user; otherwise a fixed account (greeter: nobody; root only if set so explicitly)"),
        new("Backends:<name>:StartTimeout", "00:00:05", "how long the backend may take to create its endpoint"),
        new("Backends:<name>:StopTimeout", "00:00:05", "SIGTERM to its process group, SIGKILL after this, at session end"),
        new("Backends:<name>:Environment:<VAR>", "", "extra environment (placeholders allowed)"),
        new("Backends:<name>:DisplayOffset", "10", "first X display number tried for {Display}"),
        new("Pipes:Directory", "/tmp/.pipe", "WinPR's mapping of \\\\.\\pipe\\<name>: where backends create their endpoints (created 1777 if missing)"),
        new("Tls:CertificatePath", "/etc/sessionmanager/tls/rds.crt", "the RDS server's certificate (ssl.certificate); created self-signed at start when missing"),
        new("Tls:KeyPath", "/etc/sessionmanager/tls/rds.key", "its RSA 2048 key (ssl.key, also RDP Standard Security's), 0600 and root's"),
        new("Properties:<path>", "", "a value for a property the RDS server asks (ssl.*, tcp.keepalive.params, ogon.*), parsed as the type asked"),
        new("VirtualChannels:Allowed", "[]", "IsChannelAllowed: when set, only these channels"),
        new("VirtualChannels:Denied", "[]", "IsChannelAllowed: never these channels (wins over Allowed)"),
        new("Auth:PamService", "sessionmanager", "the PAM service of logons (/etc/pam.d/sessionmanager, shipped in deploy/pam.d)"),
        new("Auth:Timeout", "00:00:05", "a PAM conversation still running after this is killed (its launcher's whole process group)"),
        new("Auth:MaxConcurrent", "16", "authentications running at once; more wait"),
        new("Launcher:Path", "", "the per-session launcher; empty: sm-launcher beside the daemon"),
        new("Launcher:StateDirectory", "/run/sessionmanager", "root-only directory of the launchers' control sockets"),
        new("Launcher:StartTimeout", "00:00:10", "how long a launcher may take to be ready"),
        new("Launcher:ConnectDeadline", "00:00:30", "a launcher nobody connects to within this stops its backend and exits"),
        new("Launcher:StopTimeout", "00:00:05", "SIGTERM to SIGKILL for a launcher's backend when none is configured"),
        new("FdsApi:RequireToken", "true", "every call but ping, getVersionInfo and logonConnection needs a valid token carrying the method's permission; false serves FreeRDS-era clients (fixed token HUGO) unchecked, with a warning at start"),
        new("Tokens:Lifetime", "08:00:00", "how long a logon token from logonConnection is valid (logoffConnection revokes it; none survives a restart)"),
        new("Permissions:Level", "GUEST", "what a token's user may do to sessions not its own: FULL (0x01FF), USER (0x0049), GUEST (0x0008) or flags"),
        new("Policies:Groups:<group>:Permissions:Level", "", "the permission level of a group's members"),
        new("Policies:Users:<user>:Permissions:Level", "", "the permission level of one user"),
        new("Log:Format", "auto", "text, json (compact JSON, one event per line), or auto: text on a terminal, JSON otherwise"),
        new("Log:Console", "true", "false turns console logging off"),
        new("Serilog:MinimumLevel:Default", "Information", "lowest level logged: Verbose, Debug, Information, Warning, Error, Fatal"),
        new("Serilog:MinimumLevel:Override:<Category>", "Microsoft: Warning", "the level for one log category (and those below it)"),
    ];
}
