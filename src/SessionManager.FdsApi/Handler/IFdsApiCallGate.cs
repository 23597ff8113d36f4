namespace SessionManager.FdsApi.Handler;

/// <summary>
/// The one check point every fdsapi call passes before it runs, local and bridged methods
/// alike: where token and permission checks go. A denied call gets the method's ordinary
/// negative answer (FDSAPI.md "Errors"), logged with the reason.
/// </summary>
public interface IFdsApiCallGate
{
    ValueTask<FdsApiAdmission> AdmitAsync(FdsApiCall fdsApiCall, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="authToken"/> may see <paramref name="sessionId"/> (enumerateSessions lists only those).</summary>
    bool MaySee(string? authToken, int sessionId) => true;
}

/// <summary>
/// One fdsapi call as the gate sees it. <paramref name="SessionId"/> is the session acted on
/// (the source session for remote control), <paramref name="TargetSessionId"/> the second
/// session a method names (remote control's target), if any.
/// </summary>
public readonly record struct FdsApiCall(string Method, string? AuthToken, int? SessionId = null, int? TargetSessionId = null);

/// <summary>The gate's answer: go on, or not and why (the reason is logged, never sent).</summary>
/// <param name="SessionId">When the call named WTS_CURRENT_SESSION (-1): the token's own session, which the call then acts on.</param>
public readonly record struct FdsApiAdmission(bool Allowed, string? DenialReason, int? SessionId = null)
{
    public static FdsApiAdmission Allow { get; } = new(true, null);

    public static FdsApiAdmission Deny(string reason) => new(false, reason);

    public static FdsApiAdmission AllowAs(int sessionId) => new(true, null, sessionId);
}

/// <summary>Lets every call through: tokens are not checked yet (a later issue brings them).</summary>
public sealed class AllowAllCallGate : IFdsApiCallGate
{
    public ValueTask<FdsApiAdmission> AdmitAsync(FdsApiCall fdsApiCall, CancellationToken cancellationToken) => ValueTask.FromResult(FdsApiAdmission.Allow);
}
