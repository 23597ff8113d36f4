using Microsoft.Extensions.Logging;

namespace SessionManager.Control;

/// <summary>The control socket's events (46xx). Method names are EventNames: renaming one breaks dashboards.</summary>
internal static partial class ControlLog
{
    [LoggerMessage(4600, LogLevel.Information, "Listening for smctl on {SocketPath} (admin group {AdminGroup})")]
    public static partial void ControlListening(this ILogger logger, string socketPath, string adminGroup);

    [LoggerMessage(4601, LogLevel.Information, "smctl {Verb} by uid {Uid} (pid {Pid}): {Outcome}: {Detail}")]
    public static partial void ControlAction(this ILogger logger, string verb, uint uid, int pid, string outcome, string detail);

    [LoggerMessage(4602, LogLevel.Warning, "smctl {Verb} by uid {Uid} (pid {Pid}) refused: {Reason}")]
    public static partial void ControlDenied(this ILogger logger, string verb, uint uid, int pid, string reason);

    [LoggerMessage(4603, LogLevel.Debug, "smctl connection from uid {Uid} (pid {Pid}) dropped: {Reason}")]
    public static partial void ControlBadRequest(this ILogger logger, uint uid, int pid, string reason);

    [LoggerMessage(4604, LogLevel.Warning, "Draining {State} by uid {Uid} (pid {Pid}): {Meaning}")]
    public static partial void DrainChanged(this ILogger logger, string state, uint uid, int pid, string meaning);

    [LoggerMessage(4605, LogLevel.Warning, "Control:AdminGroup: no group named '{Group}': only root may act on every session")]
    public static partial void AdminGroupMissing(this ILogger logger, string group);

    [LoggerMessage(4606, LogLevel.Warning, "smctl connection from uid {Uid} (pid {Pid}) refused: {Max} requests are being served already")]
    public static partial void ControlBusy(this ILogger logger, uint uid, int pid, int max);

    [LoggerMessage(4607, LogLevel.Error, "smctl {Verb} by uid {Uid} failed")]
    public static partial void ControlVerbFailed(this ILogger logger, Exception exception, string verb, uint uid);

    [LoggerMessage(4608, LogLevel.Debug, "smctl {Verb} by uid {Uid} (pid {Pid}): {Outcome}")]
    public static partial void ControlQuery(this ILogger logger, string verb, uint uid, int pid, string outcome);
}
