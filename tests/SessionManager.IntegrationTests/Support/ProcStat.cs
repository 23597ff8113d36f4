using System.Globalization;

namespace SessionManager.IntegrationTests.Support;

/// <summary>Numeric fields of /proc/PID/stat, numbered from 1 as proc(5) numbers them.</summary>
public static class ProcStat
{
    public static int Field(int pid, int number)
    {
        // The command name (field 2) is in parentheses and may hold spaces: count after its ')'.
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[number - 3], CultureInfo.InvariantCulture);
    }

    /// <summary>Fields 5 and 6: process group and session.</summary>
    public static (int Group, int Session) GroupAndSession(int pid) => (Field(pid, 5), Field(pid, 6));

    /// <summary>Field 19.</summary>
    public static int Nice(int pid) => Field(pid, 19);

    /// <summary>Field 41, the scheduling policy (<see cref="SchedOther"/>, <see cref="SchedIdle"/>, ...).</summary>
    public static int Policy(int pid) => Field(pid, 41);

    public const int SchedOther = 0;
    public const int SchedIdle = 5;
}
