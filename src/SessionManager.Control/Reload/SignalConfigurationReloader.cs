using System.Globalization;
using SessionManager.Control.Native;

namespace SessionManager.Control.Reload;

/// <summary>
/// Reload as <c>systemctl reload</c> does it: SIGHUP to the daemon (ourselves). It can only say
/// "requested": the handler runs elsewhere and reports in the log. SIGHUP is sent only if this
/// process catches it (SigCgt in /proc/self/status): otherwise its default action would end the
/// daemon, so a build without a reload handler refuses instead.
/// </summary>
internal sealed class SignalConfigurationReloader : IConfigurationReloader
{
    private const int SigHup = 1;

    public Task<ReloadResult> ReloadAsync(CancellationToken cancellationToken)
    {
        if (!CatchesSigHup())
        {
            return Task.FromResult(new ReloadResult(false, "this daemon does not handle SIGHUP (no reload in this build); not sending it, as it would end the daemon"));
        }

        if (ControlNative.Kill(Environment.ProcessId, SigHup) != 0)
        {
            return Task.FromResult(new ReloadResult(false, $"cannot send SIGHUP: {ControlNative.Describe(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}"));
        }

        return Task.FromResult(new ReloadResult(true, $"reload requested (SIGHUP sent to the daemon, pid {Environment.ProcessId}); the daemon's log says how it went"));
    }

    internal static bool CatchesSigHup()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("SigCgt:", StringComparison.Ordinal)
                && ulong.TryParse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong caught))
            {
                return (caught & (1UL << (SigHup - 1))) != 0;
            }
        }

        return false;
    }
}
