namespace SessionManager.FdsApi;

/// <summary>Configuration section <c>FdsApi</c>: the Thrift listener. Every bound is checked at start.</summary>
public sealed class FdsApiOptions
{
    public const string SectionName = "FdsApi";

    /// <summary>
    /// The largest <see cref="MaxFrameBytes"/> accepted: a frame length's top byte must be 0, or
    /// the first bytes of a framed client could not be told from an unframed one.
    /// </summary>
    public const int MaxFrameBytesCeiling = 0x00FF_FFFF;

    /// <summary>Listen address. Loopback by default; beyond it, TLS should be <c>required</c>.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Listen port (ogon's). 0 picks a free port (tests).</summary>
    public int Port { get; set; } = 9091;

    /// <summary>
    /// Largest Thrift message (framed: frame body) accepted. A frame header announcing more closes
    /// the connection before anything is buffered. 64 KiB: requests are what clients send, and
    /// the largest real one is a sendMessage box, whose title and text Windows shows in a dialog
    /// (tens of lines); with 4-byte-per-character UTF-8 that is still over 16,000 characters
    /// of text, while tokens, user names, passwords and channel names (at most 8 characters
    /// static, a few dozen dynamic) stay under a kilobyte. Answers (enumerateSessions) are ours
    /// and not bounded by it. Thrift's own 16 MB default would let a 5-byte header reserve 16 MB.
    /// </summary>
    public int MaxFrameBytes { get; set; } = 65_536;

    /// <summary>
    /// What all clients' messages may hold at once, in bytes: a message larger than a connection's
    /// own small read buffer reserves its size from this before it is received, and gives it back
    /// once answered. One that gets none within FdsApi:FrameTimeout closes its connection. At
    /// least MaxFrameBytes (one largest message must always fit).
    /// </summary>
    public long MaxBufferedBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Clients served at once; past it a new client is closed at once.</summary>
    public int MaxConnections { get; set; } = 1024;

    /// <summary>
    /// Once the first bytes of a message (or frame) have arrived, the rest must follow within
    /// this; a half-sent message is dropped. Idle connections between calls are kept (see UnauthenticatedIdleTimeout).
    /// </summary>
    public TimeSpan FrameTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A connection that has not yet made a call with a token the check point accepted is closed
    /// when it sends nothing for this long (between calls, or before its first). Without
    /// FdsApi:RequireToken every token is accepted, so any call carrying one counts.
    /// <see cref="Timeout.InfiniteTimeSpan"/>: never.
    /// </summary>
    public TimeSpan UnauthenticatedIdleTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>On shutdown, how long calls in progress may still finish before they are failed.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary><c>sessions</c>: an fdsapi sessionId names a session of the registry; <c>connection</c>: it is
    /// the RDS connectionId (FreeRDS-era rule, for rigs without sessions).</summary>
    public string Routing { get; set; } = "sessions";

    /// <summary>Every call but ping, getVersionInfo and logonConnection needs a valid token with the
    /// permission. false: FreeRDS-era clients (fixed token HUGO) are served unchecked.</summary>
    public bool RequireToken { get; set; } = true;

    /// <summary><c>optional</c>: plain and TLS clients on the one port (told apart by their first
    /// bytes); <c>required</c>: plain clients are refused; <c>off</c>: TLS clients are refused.</summary>
    public string Tls { get; set; } = "optional";

    /// <summary>The certificate TLS clients are served with (PEM). Empty: the RDS server's pair (Tls:CertificatePath).</summary>
    public string TlsCertificatePath { get; set; } = "";

    /// <summary>Its private key (PEM). Empty: Tls:KeyPath.</summary>
    public string TlsKeyPath { get; set; } = "";

    /// <summary>A TLS handshake not finished within this is abandoned and the client closed.</summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
