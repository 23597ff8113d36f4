namespace SessionManager.Sessions.Launcher;

/// <summary>Configuration section <c>Launcher</c>: where sm-launcher is and where its control sockets live.</summary>
public sealed class LauncherOptions
{
    public const string SectionName = "Launcher";

    /// <summary>The sm-launcher executable; empty means <c>sm-launcher</c> beside the daemon's binary,
    /// where the build puts it.</summary>
    public string Path { get; set; } = "";

    /// <summary>Root-only directory (created 0700 if missing) for the launchers' control sockets.
    /// A restarted daemon finds its sessions' launchers here.</summary>
    public string StateDirectory { get; set; } = "/run/sessionmanager";

    /// <summary>How long a new launcher may take to say it is listening.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A launcher nobody connects to (daemon crashed while spawning it, or gone after
    /// its backend ended) gives up after this long.</summary>
    public TimeSpan ConnectDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>When a launcher gets SIGTERM (e.g. at shutdown of the whole service), how long its
    /// backend has between SIGTERM and SIGKILL.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Launchers started ahead of need and kept connected, so that a logon takes a ready
    /// one instead of waiting for a process to start. 0: each logon starts its own.</summary>
    public int PoolSize { get; set; } = 16;

    /// <summary>The priority a launcher runs PAM authentication at: a niceness <c>0</c>-<c>19</c>
    /// (default 0: the normal priority) or <c>idle</c> (SCHED_IDLE). Password hashing is what a
    /// logon storm spends its CPU on. Launchers share the daemon's scheduling group (autogroup, or
    /// the unit's cgroup), so at <c>idle</c> the hashing takes only the CPU the daemon leaves and a
    /// daemon thread that wakes gets its CPU at once: in a warm storm the daemon's own time per
    /// logon fell from 30-41 / 63-73 ms to 3-6 / 13-15 ms (p50 / p99). It is not the default
    /// because in the daemon's first storm the runtime's JIT then goes first and a fifth of the
    /// logons missed Sessions:LogonBudget, and because a daemon kept busy (an fdsapi flood) would
    /// starve logons (bench/README.md "Logon storm"). A niceness lowers PAM's share but not the
    /// daemon's latency: a niced launcher woken by the daemon still took the daemon thread's CPU
    /// for a whole scheduler slice.</summary>
    public string PamPriority { get; set; } = "0";

    /// <summary>The <see cref="PamPriority"/> value for SCHED_IDLE.</summary>
    public const string IdlePriority = "idle";

    /// <summary>The executable to run: <see cref="Path"/>, or the default beside the daemon.</summary>
    public string EffectivePath => string.IsNullOrEmpty(Path) ? System.IO.Path.Combine(AppContext.BaseDirectory, "sm-launcher") : Path;

    /// <summary>sm-spawner, which starts the launchers: always the one beside the daemon.</summary>
    internal string EffectiveSpawnerPath { get; init; } = System.IO.Path.Combine(AppContext.BaseDirectory, "sm-spawner");
}
