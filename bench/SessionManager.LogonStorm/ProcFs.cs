using System.Globalization;

namespace SessionManager.LogonStorm;

/// <summary>What /proc says about processes: resident memory and which program they run.</summary>
internal static class ProcFs
{
    /// <summary>VmRSS of a process in KiB (0 if it is gone).</summary>
    public static long RssKb(int pid) => Field($"/proc/{pid}/status", "VmRSS:");

    /// <summary>Pss of a process in KiB: its resident pages, shared ones divided among their
    /// sharers (libc, libpam of N launchers count once in total, not N times as in VmRSS).</summary>
    public static long PssKb(int pid) => Field($"/proc/{pid}/smaps_rollup", "Pss:");

    /// <summary>User + system CPU of a process in ms (utime and stime of /proc/PID/stat; 0 if
    /// it is gone).</summary>
    public static double CpuMs(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name, which may hold spaces: state is the first.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks * 1000.0 / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Threads of a process (0 if it is gone).</summary>
    public static int Threads(int pid) => (int)Field($"/proc/{pid}/status", "Threads:");

    // USER_HZ: 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>PPid of a process (0 if it is gone).</summary>
    public static int ParentPid(int pid) => (int)Field($"/proc/{pid}/status", "PPid:");

    /// <summary>
    /// The number after <paramref name="name"/> on its line of a /proc key-value file
    /// ("VmRSS:   1234 kB", "PPid:\t1"), or 0 if the process is gone or the line is missing.
    /// </summary>
    private static long Field(string path, string name)
    {
        try
        {
            var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>The processes whose executable is <paramref name="program"/>.</summary>
    public static List<int> Running(string program)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                if (new FileInfo(Path.Combine(dir, "exe")).LinkTarget == program)
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile, or a kernel thread
            }
        }

        return found;
    }

    public static long TotalRssKb(string program) => Running(program).Sum(RssKb);
}
