using Microsoft.Extensions.Logging;
using SessionManager.Control.Protocol;
using SessionManager.Control.Security;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Protocol;
using SessionManager.Sessions.Native;
using SessionManager.Sessions.Registry;

namespace SessionManager.Control.Verbs;

internal sealed partial class ControlVerbs
{
    private const uint CustomMessage = 1;

    private async Task<ControlResponse> DisconnectAsync(SessionRecord s, ControlCaller caller)
    {
        if (s.ConnectionId is null)
        {
            return new ControlResponse { Outcome = ControlOutcome.Failed, Error = $"session {s.Id} is not connected ({s.State})" };
        }

        bool closed = await sessions.DisconnectAsync(s.Id, $"disconnected with smctl by uid {caller.Uid}");
        return new ControlResponse
        {
            SessionIds = [s.Id],
            Message = closed ? $"session {s.Id} disconnected" : $"session {s.Id} disconnected (the RDS server did not confirm closing connection {s.ConnectionId})",
        };
    }

    private async Task<ControlResponse> LogoffAsync(ControlRequest request, ControlCaller caller)
    {
        IReadOnlyList<SessionRecord> targets;
        if (request.All)
        {
            if (!caller.IsAdmin)
            {
                return Denied("only root and the admin group (Control:AdminGroup) may log off every session");
            }

            targets = [.. Registry.All().Where(s => s.State != SessionState.Down)];
        }
        else if (request.User is { Length: > 0 } user)
        {
            if (!caller.IsAdmin && Accounts.UidOf(user) != caller.Uid)
            {
                return Denied($"the sessions of {user} are not yours");
            }

            targets = [.. Registry.SessionsOf(user).Where(s => s.State != SessionState.Down && !s.IsGreeter)];
        }
        else
        {
            if (Target(request, caller, out var one) is { } refused)
            {
                return refused;
            }

            targets = [one!];
        }

        string reason = $"logged off with smctl by uid {caller.Uid}";
        var ends = targets.Select(s => sessions.EndAsync(s.Id, reason, logoffConnection: true)).ToArray();
        bool ended = await Task.WhenAll(ends).WaitAsync(EndWait).ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default);
        string ids = string.Join(", ", targets.Select(s => s.Id));
        return new ControlResponse
        {
            SessionIds = [.. targets.Select(s => s.Id)],
            Message = targets.Count == 0 ? "no sessions to log off"
                : ended ? $"logged off: {ids}" : $"logging off: {ids} (still ending after {EndWait.TotalSeconds} s)",
        };
    }

    private async Task<ControlResponse> SendMessageAsync(SessionRecord s, ControlRequest request)
    {
        if (s.ConnectionId is not { } connectionId)
        {
            return new ControlResponse { Outcome = ControlOutcome.Failed, Error = $"session {s.Id} is not connected ({s.State}): nobody would see the message" };
        }

        var message = new MessageRequest
        {
            ConnectionId = connectionId,
            Type = CustomMessage,
            Style = 0, // MB_OK
            // No timeout of its own: shown until answered, at most Icp:MessageBoxMaxWait.
            Timeout = IcpCallOptions.BoundedMessageBoxTimeout(0, rds.MessageBoxMaxWait),
            ParameterNum = 2,
            Parameter1 = request.Title ?? "",
            Parameter2 = request.Text ?? "",
        };
        try
        {
            // Answered once sent (as fdsapi sendMessage without wait): smctl does not wait for the user's click.
            var answer = await rds.SendAsync<MessageResponse>(MsgType.Message, message, new IcpCallOptions { Timeout = IcpCallOptions.MessageBoxWait(message.Timeout) });
            _ = answer.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
        catch (IcpException ex)
        {
            return new ControlResponse { Outcome = ControlOutcome.Failed, Error = $"message not sent to session {s.Id}: {ex.Message}" };
        }

        return new ControlResponse { SessionIds = [s.Id], Message = $"message sent to session {s.Id} (connection {connectionId})" };
    }

    private ControlResponse Drain(bool draining, ControlCaller caller)
    {
        bool changed = sessions.Drain.Set(draining);
        if (changed)
        {
            logger.DrainChanged(draining ? "on" : "off", caller.Uid, caller.Pid,
                draining ? "logons that need a new session are refused; reconnects and existing sessions go on" : "new logons accepted again");
        }

        return new ControlResponse
        {
            Message = (draining, changed) switch
            {
                (true, true) => "draining: new logons are refused, existing sessions are untouched",
                (true, false) => "already draining",
                (false, true) => "not draining: new logons are accepted",
                _ => "was not draining",
            },
        };
    }

    private async Task<ControlResponse> ReloadAsync(CancellationToken cancellationToken)
    {
        var result = await reloader.ReloadAsync(cancellationToken);
        return result.Done
            ? new ControlResponse { Message = result.Message }
            : new ControlResponse { Outcome = ControlOutcome.Failed, Error = result.Message };
    }
}
