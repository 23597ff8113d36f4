using System.Globalization;

namespace SessionManager.Sessions.Launcher;

/// <summary>
/// A process as /proc/PID/stat names it: pid, process group and start time (clock ticks since
/// boot). Pid and start time together identify one process for good, so a signal sent after a
/// check of the stamp never reaches a later process that got the same pid.
/// </summary>
internal readonly record struct ProcessStamp(int Pid, int Group, ulong StartTime)
{
    /// <summary>The process <paramref name="pid"/> as it is now, if it runs (a zombie counts as ended)
    /// and its parent is <paramref name="parent"/> (when given).</summary>
    public static ProcessStamp? Read(int pid, int? parent = null)
    {
        if (pid <= 1)
        {
            return null;
        }

        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // Field 2, the command, is in parentheses and may hold anything: count after its last ')'.
        // From there: 3 state, 4 ppid, 5 pgrp, ... 22 starttime (proc(5)).
        int close = stat.LastIndexOf(')');
        if (close < 0 || close + 2 >= stat.Length)
        {
            return null;
        }

        string[] f = stat[(close + 2)..].Split(' ');
        if (f.Length < 20 || f[0] is "Z" or "X" or "x"
            || !int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out int ppid)
            || !int.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out int group)
            || !ulong.TryParse(f[19], NumberStyles.None, CultureInfo.InvariantCulture, out ulong start)
            || (parent is { } p && ppid != p))
        {
            return null;
        }

        return new ProcessStamp(pid, group, start);
    }

    /// <summary>Still this very process (not ended, not a new one with the same pid).</summary>
    public bool IsRunning => Read(Pid) is { } now && now.StartTime == StartTime;
}
