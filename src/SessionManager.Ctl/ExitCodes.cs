using SessionManager.Control.Protocol;

namespace SessionManager.Ctl;

/// <summary>smctl's exit codes (README "smctl", smctl(1)): scripts and monitoring branch on them.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int NotRunning = 3;
    public const int PermissionDenied = 4;
    public const int NoSuchSession = 5;
    public const int LinkDown = 6;

    public static int Of(ControlOutcome outcome) => outcome switch
    {
        ControlOutcome.Ok => Ok,
        ControlOutcome.BadRequest => Usage,
        ControlOutcome.PermissionDenied => PermissionDenied,
        ControlOutcome.NoSuchSession => NoSuchSession,
        _ => Failed,
    };
}
