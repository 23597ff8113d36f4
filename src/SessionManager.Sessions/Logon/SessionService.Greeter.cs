using Microsoft.Extensions.Logging;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Protocol;
using SessionManager.Sessions.Launcher;
using SessionManager.Sessions.Registry;

namespace SessionManager.Sessions.Logon;

public sealed partial class SessionService
{
    /// <summary>SBP VersionInfo (202) from a greeter: its session may authenticate users only with major 1.</summary>
    public bool GreeterVersion(int sessionId, uint major)
    {
        if (_registry.Get(sessionId) is not { } session || !session.Record.IsGreeter)
        {
            return false;
        }

        _registry.MarkSbpCompatible(session, major == 1);
        return true;
    }

    /// <summary>
    /// SBP AuthenticateUser (200) from the greeter of <paramref name="sessionId"/> (SESSIONS.md §8):
    /// PAM, the user's session by the same policy as LogonUser, SwitchTo for the greeter's
    /// connection, and only once that succeeded the answer AUTH_SUCCESSFUL; the greeter then ends.
    /// </summary>
    /// <exception cref="LogonFailedException">a failure after authentication (backend, SwitchTo, Sessions:LogonBudget): answered FAILED.</exception>
    public async Task<AuthenticateUserResponse.Types.AUTH_STATUS> GreeterLogonAsync(int sessionId, string user, string password, PeerCredentials rds)
    {
        using var budget = new LogonBudget(Settings.LogonBudget, _time);
        var greeter = _registry.Find(sessionId);
        try
        {
            return await GreeterLogonWithinBudgetAsync(sessionId, user, password, rds, budget);
        }
        catch (OperationCanceledException) when (budget.RanOut)
        {
            // A backend that did not come up is ending in the background (StartSessionAsync).
            LogonOutcome(_logger, "failed", user, greeter?.Client.Address ?? "", greeter?.ConnectionId ?? 0, $"greeter of session {sessionId}: {budget.Reason}");
            throw new LogonFailedException(budget.Reason);
        }
    }

    private async Task<AuthenticateUserResponse.Types.AUTH_STATUS> GreeterLogonWithinBudgetAsync(int sessionId, string user, string password, PeerCredentials rds, LogonBudget budget)
    {
        var greeter = _registry.Get(sessionId);
        if (greeter is null || !greeter.Record.IsGreeter || greeter.Record.State != SessionState.Connected || greeter.Record.ConnectionId is not { } connectionId)
        {
            return AuthenticateUserResponse.Types.AUTH_STATUS.AuthWrongSessionState;
        }

        if (!greeter.SbpCompatible)
        {
            throw new LogonFailedException("the greeter did not send SBP VersionInfo first");
        }

        var client = greeter.Record.Client;
        if (!_throttle.MayTry(user, client.Address, "AuthenticateUser", out _))
        {
            return AuthenticateUserResponse.Types.AUTH_STATUS.AuthBadCredentials;
        }

        ILogonAttempt attempt;
        budget.Step($"authenticating {user} with PAM");
        try
        {
            attempt = await _launcher.AuthenticateAsync(user, password, client.Address, budget.Token);
        }
        catch (AuthenticationFailedException ex)
        {
            _throttle.Failed(user, client.Address, "AuthenticateUser", ex.Message);
            LogonOutcome(_logger, "rejected", user, client.Address, connectionId, $"greeter of session {sessionId}: {ex.Message}");
            return AuthenticateUserResponse.Types.AUTH_STATUS.AuthBadCredentials;
        }
        catch (LauncherUnavailableException ex)
        {
            throw new LogonFailedException(ex.Message);
        }

        await using (attempt)
        {
            long generation = _registry.LinkGenerationOf(connectionId) ?? 0;
            // A reused session attached elsewhere lets that connection go first (never both at once).
            var target = await UserSessionAsync(attempt, rds, client, async (s, reused) =>
            {
                if (reused && s.Record.ConnectionId is not null)
                {
                    budget.Step($"closing the connection of {s.Record.User}'s session {s.Id} (taken over)");
                    // A connection of a link that is gone went with it: detached, never named over the new link.
                    if (_registry.LiveConnectionOf(s) is { } old)
                    {
                        await LogoffConnectionAsync(old);
                    }

                    _registry.Detach(s, "taken over by a logon in the greeter");
                }
            }, budget);
            if (!await SwitchToAsync(connectionId, target.Record))
            {
                _registry.Detach(target, "SwitchTo failed");
                LogonOutcome(_logger, "failed", attempt.Account.UserName, client.Address, connectionId, "the RDS server could not switch the connection to the session");
                throw new LogonFailedException("the RDS server could not switch to the session");
            }

            await AttachOrLetGoAsync(target, connectionId, generation);
            // Not awaited: AUTH_SUCCESSFUL need not wait until the greeter's backend has stopped.
            _ = EndAsync(sessionId, $"its user logged on to session {target.Id}", logoffConnection: false);
            LogonOutcome(_logger, "granted", attempt.Account.UserName, client.Address, connectionId, $"session {target.Id} after the greeter of session {sessionId}");
            return AuthenticateUserResponse.Types.AUTH_STATUS.AuthSuccessful;
        }
    }

    /// <summary>SBP EndSession (201): the greeter was cancelled: its connection is closed and it ends.</summary>
    public async Task<bool> GreeterCancelledAsync(int sessionId)
    {
        if (_registry.Get(sessionId) is not { Record.IsGreeter: true })
        {
            return false;
        }

        await EndAsync(sessionId, "cancelled in the greeter", logoffConnection: true);
        return true;
    }

    private async Task<bool> SwitchToAsync(uint connectionId, SessionRecord target)
    {
        try
        {
            var answer = await _rds.CallAsync<SwitchToResponse>(MsgType.SwitchTo, new SwitchToRequest
            {
                ConnectionId = connectionId,
                ServiceEndpoint = Backends.PipesOptions.WinPrPrefix + target.PipeName,
                MaxWidth = (uint)target.MaxWidth,
                MaxHeight = (uint)target.MaxHeight,
                BackendCookie = target.BackendCookie,
                OgonCookie = target.OgonCookie,
            }, new IcpCallOptions { Timeout = Settings.LogoffTimeout }, CancellationToken.None);
            return answer.Success;
        }
        catch (IcpException)
        {
            return false;
        }
    }
}
