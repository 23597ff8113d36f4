using System.Diagnostics;
using Google.Protobuf;
using SessionManager.FdsApi.Generated;
using SessionManager.FdsApi.Logging;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Protocol;

namespace SessionManager.FdsApi.Handler;

/// <summary>
/// The fdsapi methods answered by asking the RDS server (FDSAPI.md "Methods"). Each is one
/// async method: check point and route, the ICP call, the reply; the error boundary is the
/// exception filter <see cref="RecordFailure"/>. The ICP call ends by its answer, its timeout, the
/// link's end, or the call's token: the client left during the call, or shutdown abandoned it.
/// </summary>
public sealed partial class FdsApiHandler
{
    /// <summary>WTS_CHANNEL_OPTION_DYNAMIC: a channel is dynamic only if the flags say so too.</summary>
    private const int WtsChannelOptionDynamic = 0x1;

    /// <summary>MessageBox answer for "sent, not waited for".</summary>
    private const int IdAsync = 32001;

    /// <summary>ICP Message type 1: a custom message (parameter1 = title, parameter2 = text).</summary>
    private const uint CustomMessage = 1;

    public async Task<TReturnVirtualChannelOpen> virtualChannelOpen(string? authToken, int sessionId, string? virtualName, bool isDynChannel, int flags, CancellationToken cancellationToken = default)
    {
        const string method = nameof(virtualChannelOpen);
        long started = Stopwatch.GetTimestamp();
        uint connectionId = 0;
        try
        {
            var (route, caller) = await AdmitAndRouteAsync(new FdsApiCall(method, authToken, sessionId), cancellationToken);
            if (!route.Found)
            {
                return new TReturnVirtualChannelOpen { PipeName = "", Instance = 0 };
            }

            connectionId = route.ConnectionId;
            bool dynamic = isDynChannel && (flags & WtsChannelOptionDynamic) != 0;
            var request = new VirtualChannelOpenRequest
            {
                ConnectionId = connectionId,
                VirtualName = virtualName ?? "",
                DynamicChannel = dynamic,
                Flags = dynamic ? unchecked((uint)flags) : 0,
            };
            var answer = await _deps.Rds.CallAsync<VirtualChannelOpenResponse>(MsgType.VirtualChannelOpen, request, IcpCallOptions.ReplyPath with { Caller = caller }, cancellationToken);
            Succeeded(method, sessionId, connectionId, started);
            if (answer.ConnectionString.Length == 0)
            {
                _logger.CallRefused(method, sessionId, connectionId, $"no pipe for channel '{virtualName}'");
            }

            return new TReturnVirtualChannelOpen { PipeName = answer.ConnectionString, Instance = unchecked((int)answer.Instance) };
        }
        catch (Exception ex) when (RecordFailure(ex, method, sessionId, connectionId, started))
        {
            throw;
        }
    }

    public async Task<bool> virtualChannelClose(string? authToken, int sessionId, string? virtualName, int instance, CancellationToken cancellationToken = default)
    {
        const string method = nameof(virtualChannelClose);
        long started = Stopwatch.GetTimestamp();
        uint connectionId = 0;
        try
        {
            var (route, caller) = await AdmitAndRouteAsync(new FdsApiCall(method, authToken, sessionId), cancellationToken);
            if (!route.Found)
            {
                return false;
            }

            connectionId = route.ConnectionId;
            var request = new VirtualChannelCloseRequest
            {
                ConnectionId = connectionId,
                VirtualName = virtualName ?? "",
                Instance = unchecked((uint)instance),
            };
            var answer = await _deps.Rds.CallAsync<VirtualChannelCloseResponse>(MsgType.VirtualChannelClose, request, IcpCallOptions.ReplyPath with { Caller = caller }, cancellationToken);
            Succeeded(method, sessionId, connectionId, started);
            return Refusal(method, sessionId, connectionId, answer.Success, $"channel '{virtualName}' instance {instance} not closed");
        }
        catch (Exception ex) when (RecordFailure(ex, method, sessionId, connectionId, started))
        {
            throw;
        }
    }

    // Both ask the RDS server to close the RDP connection (ICP 5); what differs is the session
    // manager's own bookkeeping: with the registry, disconnect keeps the session Disconnected and
    // logoff ends it.
    public Task<bool> disconnectSession(string? authToken, int sessionId, bool wait, CancellationToken cancellationToken = default) =>
        _deps.Directory is { } directory
            ? ThroughDirectoryAsync(nameof(disconnectSession), authToken, sessionId, (d, ct) => d.DisconnectAsync(sessionId, wait, ct), directory, cancellationToken)
            : CloseConnectionAsync(nameof(disconnectSession), authToken, sessionId, wait, cancellationToken);

    public Task<bool> logoffSession(string? authToken, int sessionId, bool wait, CancellationToken cancellationToken = default) =>
        _deps.Directory is { } directory
            ? ThroughDirectoryAsync(nameof(logoffSession), authToken, sessionId, (d, ct) => d.LogoffAsync(sessionId, wait, ct), directory, cancellationToken)
            : CloseConnectionAsync(nameof(logoffSession), authToken, sessionId, wait, cancellationToken);

    private async Task<bool> ThroughDirectoryAsync(string method, string? authToken, int sessionId, Func<ISessionDirectory, CancellationToken, ValueTask<bool>> act,
        ISessionDirectory directory, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            if (!await AdmitAsync(new FdsApiCall(method, authToken, sessionId), cancellationToken))
            {
                return false;
            }

            bool done = await act(directory, cancellationToken);
            if (!done)
            {
                _logger.NoRoute(method, sessionId, "no such session, or it has no RDP connection");
            }

            _deps.Metrics?.Call(method, done ? FdsApiMetrics.Results.Ok : FdsApiMetrics.Results.NoRoute);

            return done;
        }
        catch (Exception ex) when (RecordFailure(ex, method, sessionId, 0, started))
        {
            throw;
        }
    }

    public async Task<bool> startRemoteControlSession(string? authToken, int sourceLogonId, int targetLogonId, sbyte HotkeyVk, short HotkeyModifiers, int flags, CancellationToken cancellationToken = default)
    {
        const string method = nameof(startRemoteControlSession);
        long started = Stopwatch.GetTimestamp();
        uint connectionId = 0;
        try
        {
            var (route, caller) = await AdmitAndRouteAsync(new FdsApiCall(method, authToken, sourceLogonId, targetLogonId), cancellationToken);
            if (!route.Found)
            {
                return false;
            }

            connectionId = route.ConnectionId;
            var target = await _deps.Routing.RouteAsync(targetLogonId, cancellationToken);
            if (!target.Found)
            {
                _logger.NoRoute(method, targetLogonId, target.NoRouteReason ?? "unknown session");
                return false;
            }

            var request = new StartRemoteControlRequest
            {
                ConnectionId = connectionId,
                TargetConnectionId = target.ConnectionId,
                // A virtual-key code is 0-255: the signed Thrift byte carries it in 8 bits. The
                // modifiers are 16 bits of flags, sent likewise as their unsigned value.
                HotKeyVk = unchecked((byte)HotkeyVk),
                HotKeyModifiers = unchecked((ushort)HotkeyModifiers),
                Flags = unchecked((uint)flags),
            };
            var answer = await _deps.Rds.CallAsync<StartRemoteControlResponse>(MsgType.StartRemoteControl, request, IcpCallOptions.ReplyPath with { Caller = caller }, cancellationToken);
            Succeeded(method, sourceLogonId, connectionId, started);
            if (answer.Success)
            {
                _deps.Directory?.RemoteControlStarted(sourceLogonId);
            }

            return Refusal(method, sourceLogonId, connectionId, answer.Success, $"remote control of session {targetLogonId} not started");
        }
        catch (Exception ex) when (RecordFailure(ex, method, sourceLogonId, connectionId, started))
        {
            throw;
        }
    }

    public async Task<bool> stopRemoteControlSession(string? authToken, int sourceLogonId, int targetLogonId, CancellationToken cancellationToken = default)
    {
        const string method = nameof(stopRemoteControlSession);
        long started = Stopwatch.GetTimestamp();
        uint connectionId = 0;
        try
        {
            var (route, caller) = await AdmitAndRouteAsync(new FdsApiCall(method, authToken, sourceLogonId, targetLogonId), cancellationToken);
            if (!route.Found)
            {
                return false;
            }

            connectionId = route.ConnectionId;
            var request = new StopRemoteControlRequest { ConnectionId = connectionId };
            var answer = await _deps.Rds.CallAsync<StopRemoteControlResponse>(MsgType.StopRemoteControl, request, IcpCallOptions.ReplyPath with { Caller = caller }, cancellationToken);
            Succeeded(method, sourceLogonId, connectionId, started);
            return Refusal(method, sourceLogonId, connectionId, answer.Success, "remote control not stopped");
        }
        catch (Exception ex) when (RecordFailure(ex, method, sourceLogonId, connectionId, started))
        {
            throw;
        }
    }

    public async Task<int> sendMessage(string? authToken, int sessionId, string? title, string? message, int style, int timeout, bool wait, CancellationToken cancellationToken = default)
    {
        const string method = nameof(sendMessage);
        long started = Stopwatch.GetTimestamp();
        uint connectionId = 0;
        try
        {
            var (route, caller) = await AdmitAndRouteAsync(new FdsApiCall(method, authToken, sessionId), cancellationToken);
            if (!route.Found)
            {
                return 0;
            }

            connectionId = route.ConnectionId;
            var request = new MessageRequest
            {
                ConnectionId = connectionId,
                Type = CustomMessage,
                Style = unchecked((uint)style),
                // No box is shown longer than Icp:MessageBoxMaxWait (one without a timeout for that
                // long): it closes itself, answered IDTIMEOUT, when the connection stops waiting.
                Timeout = IcpCallOptions.BoundedMessageBoxTimeout(unchecked((uint)timeout), _deps.Rds.MessageBoxMaxWait),
                ParameterNum = 2,
                Parameter1 = title ?? "",
                Parameter2 = message ?? "",
            };

            // The box is open until the user answers or its own timeout passes: that, not
            // Icp:RequestTimeout, is how long the answer may take.
            var boxWait = IcpCallOptions.MessageBoxWait(request.Timeout);
            if (!wait)
            {
                // Sent in both cases; without wait the client gets IDASYNC and the answer is logged.
                // The ICP call still counts against the session and token until it ends.
                var answer = await _deps.Rds.SendAsync<MessageResponse>(MsgType.Message, request, new IcpCallOptions { Timeout = boxWait, Caller = caller });
                LogOutcomeLater(method, sessionId, connectionId, answer, static a => $"result {a.Result}");
                return IdAsync;
            }

            var result = await _deps.Rds.CallAsync<MessageResponse>(MsgType.Message, request, new IcpCallOptions { Timeout = boxWait, MayCompleteOnReader = true, Caller = caller }, cancellationToken);
            Succeeded(method, sessionId, connectionId, started);
            return unchecked((int)result.Result);
        }
        catch (Exception ex) when (RecordFailure(ex, method, sessionId, connectionId, started))
        {
            throw;
        }
    }

    private async Task<bool> CloseConnectionAsync(string method, string? authToken, int sessionId, bool wait, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        uint connectionId = 0;
        try
        {
            var (route, caller) = await AdmitAndRouteAsync(new FdsApiCall(method, authToken, sessionId), cancellationToken);
            if (!route.Found)
            {
                return false;
            }

            connectionId = route.ConnectionId;
            var request = new LogoffUserSessionRequest { ConnectionId = connectionId };
            if (!wait)
            {
                var answer = await _deps.Rds.SendAsync<LogoffUserSessionResponse>(MsgType.LogoffUserSession, request, new IcpCallOptions { Caller = caller });
                LogOutcomeLater(method, sessionId, connectionId, answer, static a => a.Loggedoff ? "logged off" : "not logged off");
                return true;
            }

            var result = await _deps.Rds.CallAsync<LogoffUserSessionResponse>(MsgType.LogoffUserSession, request, IcpCallOptions.ReplyPath with { Caller = caller }, cancellationToken);
            Succeeded(method, sessionId, connectionId, started);
            return Refusal(method, sessionId, connectionId, result.Loggedoff, "RDS connection not closed");
        }
        catch (Exception ex) when (RecordFailure(ex, method, sessionId, connectionId, started))
        {
            throw;
        }
    }

    /// <summary>A definite "no" from the RDS server is the method's ordinary negative answer, logged with why.</summary>
    private bool Refusal(string method, int sessionId, uint connectionId, bool success, string reason)
    {
        if (!success)
        {
            _logger.CallRefused(method, sessionId, connectionId, reason);
        }

        return success;
    }

    private void LogOutcomeLater<T>(string method, int sessionId, uint connectionId, Task<T> answer, Func<T, string> describe)
        where T : IMessage<T>
    {
        long started = Stopwatch.GetTimestamp();
        _ = LogAsync();

        async Task LogAsync()
        {
            string outcome;
            try
            {
                outcome = describe(await answer);
            }
            catch (Exception ex)
            {
                outcome = $"nothing: {ex.Message}";
            }

            _logger.UnawaitedOutcome(method, sessionId, connectionId, outcome, ElapsedMs(started));
        }
    }
}
