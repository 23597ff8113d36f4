namespace SessionManager.Sessions.Security;

/// <summary>Brute-force limits of <c>Auth</c>: failures counted per user and per client address.</summary>
public sealed class AuthThrottleOptions
{
    /// <summary>Failures within <see cref="FailureWindow"/> after which PAM is not asked again for that user or address.</summary>
    public int MaxFailures { get; set; } = 5;

    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Most users and client addresses whose failures are counted at once (each failure counts for
    /// one of each); at the cap, one with no count yet is refused until counts expire (AuthThrottle says why).
    /// </summary>
    public int MaxFailureEntries { get; set; } = 20_000;
}
