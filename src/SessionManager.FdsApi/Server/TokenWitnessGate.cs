using SessionManager.FdsApi.Handler;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// One connection's view of the check point: the daemon's gate decides, and this one notes when
/// it let through a call that needed a token and carried one, i.e. the client presented a valid
/// token (FdsApi:UnauthenticatedIdleTimeout no longer applies to it). Calls that need no token
/// (ping, getVersionInfo, logonConnection, getPermissionForToken, logoffConnection) do not count.
/// Without FdsApi:RequireToken every token is let through, so any call carrying one counts.
/// </summary>
internal sealed class TokenWitnessGate(IFdsApiCallGate gate, ClientStream client) : IFdsApiCallGate
{
    public ValueTask<FdsApiAdmission> AdmitAsync(FdsApiCall fdsApiCall, CancellationToken cancellationToken)
    {
        var admission = gate.AdmitAsync(fdsApiCall, cancellationToken);
        if (client.PresentedValidToken || string.IsNullOrEmpty(fdsApiCall.AuthToken) || PermissionFlags.NeedsNoToken(fdsApiCall.Method))
        {
            return admission;
        }

        return admission.IsCompletedSuccessfully ? Witness(admission.Result) : WitnessAsync(admission);
    }

    public bool MaySee(string? authToken, int sessionId) => gate.MaySee(authToken, sessionId);

    private ValueTask<FdsApiAdmission> Witness(FdsApiAdmission admission)
    {
        if (admission.Allowed)
        {
            client.PresentedValidToken = true;
        }

        return ValueTask.FromResult(admission);
    }

    private async ValueTask<FdsApiAdmission> WitnessAsync(ValueTask<FdsApiAdmission> pending) => await Witness(await pending);
}
