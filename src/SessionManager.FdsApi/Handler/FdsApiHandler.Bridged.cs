using System.Diagnostics;
using Google.Protobuf;
using SessionManager.FdsApi.Generated;
using SessionManager.FdsApi.Logging;
using SessionManager.Icp.Protocol;

namespace SessionManager.FdsApi.Handler;

/// <summary>The fdsapi methods answered by asking the RDS server (FDSAPI.md "Methods").</summary>
public sealed partial class FdsApiHandler
{
    /// <summary>WTS_CHANNEL_OPTION_DYNAMIC: a channel is dynamic only if the flags say so too.</summary>
    private const int WtsChannelOptionDynamic = 0x1;

    /// <summary>MessageBox answer for "sent, not waited for".</summary>
    private const int IdAsync = 32001;

    /// <summary>ICP Message type 1: a custom message (parameter1 = title, parameter2 = text).</summary>
    private const uint CustomMessage = 1;

    public Task<TReturnVirtualChannelOpen> virtualChannelOpen(string? authToken, int sessionId, string? virtualName, bool isDynChannel, int flags, CancellationToken cancellationToken = default) =>
        BridgeAsync(nameof(virtualChannelOpen), sessionId, async connectionId =>
        {
            bool dynamic = isDynChannel && (flags & WtsChannelOptionDynamic) != 0;
            var request = new VirtualChannelOpenRequest
            {
                ConnectionId = connectionId,
                VirtualName = virtualName ?? "",
                DynamicChannel = dynamic,
                Flags = dynamic ? unchecked((uint)flags) : 0,
            };
            var answer = await _deps.Rds.CallAsync<VirtualChannelOpenResponse>(MsgType.VirtualChannelOpen, request, cancellationToken);
            if (answer.ConnectionString.Length == 0)
            {
                _logger.CallRefused(nameof(virtualChannelOpen), sessionId, connectionId, $"no pipe for channel '{virtualName}'");
            }

            return new TReturnVirtualChannelOpen { PipeName = answer.ConnectionString, Instance = unchecked((int)answer.Instance) };
        });

    public Task<bool> virtualChannelClose(string? authToken, int sessionId, string? virtualName, int instance, CancellationToken cancellationToken = default) =>
        BridgeAsync(nameof(virtualChannelClose), sessionId, async connectionId =>
        {
            var request = new VirtualChannelCloseRequest
            {
                ConnectionId = connectionId,
                VirtualName = virtualName ?? "",
                Instance = unchecked((uint)instance),
            };
            var answer = await _deps.Rds.CallAsync<VirtualChannelCloseResponse>(MsgType.VirtualChannelClose, request, cancellationToken);
            return Refusal(nameof(virtualChannelClose), sessionId, connectionId, answer.Success, $"channel '{virtualName}' instance {instance} not closed");
        });

    // Both ask the RDS server to close the RDP connection (ICP 5); what differs is the session
    // manager's own bookkeeping, which arrives with the session registry.
    public Task<bool> disconnectSession(string? authToken, int sessionId, bool wait, CancellationToken cancellationToken = default) =>
        CloseConnectionAsync(nameof(disconnectSession), sessionId, wait, cancellationToken);

    public Task<bool> logoffSession(string? authToken, int sessionId, bool wait, CancellationToken cancellationToken = default) =>
        CloseConnectionAsync(nameof(logoffSession), sessionId, wait, cancellationToken);

    public Task<bool> startRemoteControlSession(string? authToken, int sourceLogonId, int targetLogonId, sbyte HotkeyVk, short HotkeyModifiers, int flags, CancellationToken cancellationToken = default) =>
        BridgeAsync(nameof(startRemoteControlSession), sourceLogonId, async connectionId =>
        {
            var request = new StartRemoteControlRequest
            {
                ConnectionId = connectionId,
                TargetConnectionId = _deps.Routing.ConnectionIdFor(targetLogonId),
                // A virtual-key code is 0-255: the signed Thrift byte carries it in 8 bits. The
                // modifiers are 16 bits of flags, sent likewise as their unsigned value.
                HotKeyVk = unchecked((byte)HotkeyVk),
                HotKeyModifiers = unchecked((ushort)HotkeyModifiers),
                Flags = unchecked((uint)flags),
            };
            var answer = await _deps.Rds.CallAsync<StartRemoteControlResponse>(MsgType.StartRemoteControl, request, cancellationToken);
            return Refusal(nameof(startRemoteControlSession), sourceLogonId, connectionId, answer.Success, $"remote control of session {targetLogonId} not started");
        });

    public Task<bool> stopRemoteControlSession(string? authToken, int sourceLogonId, int targetLogonId, CancellationToken cancellationToken = default) =>
        BridgeAsync(nameof(stopRemoteControlSession), sourceLogonId, async connectionId =>
        {
            var request = new StopRemoteControlRequest { ConnectionId = connectionId };
            var answer = await _deps.Rds.CallAsync<StopRemoteControlResponse>(MsgType.StopRemoteControl, request, cancellationToken);
            return Refusal(nameof(stopRemoteControlSession), sourceLogonId, connectionId, answer.Success, "remote control not stopped");
        });

    public Task<int> sendMessage(string? authToken, int sessionId, string? title, string? message, int style, int timeout, bool wait, CancellationToken cancellationToken = default) =>
        BridgeAsync(nameof(sendMessage), sessionId, async connectionId =>
        {
            // Sent in both cases; without wait the client gets IDASYNC and the answer is logged.
            var request = new MessageRequest
            {
                ConnectionId = connectionId,
                Type = CustomMessage,
                Style = unchecked((uint)style),
                Timeout = unchecked((uint)timeout),
                ParameterNum = 2,
                Parameter1 = title ?? "",
                Parameter2 = message ?? "",
            };
            var answer = await _deps.Rds.SendAsync<MessageResponse>(MsgType.Message, request, cancellationToken);
            if (!wait)
            {
                LogOutcomeLater(nameof(sendMessage), sessionId, connectionId, answer, a => $"result {a.Result}");
                return IdAsync;
            }

            return unchecked((int)(await answer).Result);
        });

    private Task<bool> CloseConnectionAsync(string method, int sessionId, bool wait, CancellationToken cancellationToken) =>
        BridgeAsync(method, sessionId, async connectionId =>
        {
            var request = new LogoffUserSessionRequest { ConnectionId = connectionId };
            var answer = await _deps.Rds.SendAsync<LogoffUserSessionResponse>(MsgType.LogoffUserSession, request, cancellationToken);
            if (!wait)
            {
                LogOutcomeLater(method, sessionId, connectionId, answer, a => a.Loggedoff ? "logged off" : "not logged off");
                return true;
            }

            return Refusal(method, sessionId, connectionId, (await answer).Loggedoff, "RDS connection not closed");
        });

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
