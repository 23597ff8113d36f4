using System.Runtime.InteropServices;
using SessionManager.Control.Native;
using SessionManager.Control.Protocol;
using SessionManager.Sessions.Registry;

namespace SessionManager.Control.Verbs;

/// <summary>
/// smctl kill: a signal to the session's backend process group (the launcher gives the backend
/// a group of its own, pgid = its pid). Only the signals of <see cref="ControlProtocol.AllowedSignals"/>;
/// never to a group that is not the backend's own (the launcher's or the daemon's).
/// </summary>
internal static class SessionSignals
{
    // Linux numbers (the same on x86-64 and arm64).
    private static readonly Dictionary<string, int> Numbers = new(StringComparer.Ordinal)
    {
        ["HUP"] = 1, ["INT"] = 2, ["KILL"] = 9, ["USR1"] = 10, ["USR2"] = 12, ["TERM"] = 15, ["CONT"] = 18, ["STOP"] = 19,
    };

    public static ControlResponse Send(SessionRecord s, string? signal)
    {
        string name = (signal ?? "TERM").Trim().ToUpperInvariant();
        if (name.StartsWith("SIG", StringComparison.Ordinal))
        {
            name = name[3..];
        }

        if (!Numbers.TryGetValue(name, out int number))
        {
            return new ControlResponse { Outcome = ControlOutcome.BadRequest, Error = $"signal '{signal}' not allowed; one of {string.Join(", ", ControlProtocol.AllowedSignals)}" };
        }

        if (s.BackendPid is not > 1 || s.BackendPid == Environment.ProcessId)
        {
            return new ControlResponse { Outcome = ControlOutcome.Failed, Error = $"session {s.Id} has no backend process" };
        }

        int pid = s.BackendPid.Value;
        int pgid = ControlNative.GetPgid(pid);
        if (pgid != pid)
        {
            return new ControlResponse
            {
                Outcome = ControlOutcome.Failed,
                Error = pgid < 0 ? $"session {s.Id}: its backend (pid {pid}) is gone" : $"session {s.Id}: its backend (pid {pid}) is not the leader of its process group (pgid {pgid}); not signalling that group",
            };
        }

        if (ControlNative.Kill(-pgid, number) != 0)
        {
            return new ControlResponse { Outcome = ControlOutcome.Failed, Error = $"session {s.Id}: kill SIG{name} to process group {pgid}: {ControlNative.Describe(Marshal.GetLastPInvokeError())}" };
        }

        return new ControlResponse { SessionIds = [s.Id], Message = $"SIG{name} sent to session {s.Id}'s processes (process group {pgid})" };
    }
}
