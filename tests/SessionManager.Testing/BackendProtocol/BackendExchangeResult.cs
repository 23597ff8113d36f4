namespace SessionManager.Testing.BackendProtocol;

/// <summary>How an RDS-side exchange with a backend ended.</summary>
public enum BackendExchangeOutcome
{
    /// <summary>VERSION_REPLY with the backend cookie, then FRAMEBUFFER_INFO.</summary>
    Ok,

    /// <summary>The socket file did not appear within the wait (WinPR's WaitNamedPipeA failed).</summary>
    EndpointMissing,

    /// <summary>The file exists but connecting failed (nobody listening: the RDS's CreateFileA fails).</summary>
    ConnectFailed,

    /// <summary>VERSION_REPLY carried another cookie, or none: the RDS drops the connection.</summary>
    CookieMismatch,

    /// <summary>The backend closed or reset the connection first.</summary>
    Closed,

    /// <summary>No answer within the time allowed.</summary>
    Timeout,

    /// <summary>Something else came first, a major version other than 1, or malformed bytes.</summary>
    ProtocolError,
}

/// <summary>The outcome with what was received and a sentence for assertion messages.</summary>
public sealed record BackendExchangeResult(
    BackendExchangeOutcome Outcome,
    string Detail,
    BackendVersion? VersionReply = null,
    FramebufferInfo? Framebuffer = null)
{
    public override string ToString() => $"{Outcome}: {Detail}";
}
