using System.Globalization;

namespace SessionManager.Hosting;

/// <summary>
/// Process-wide runtime settings, applied before anything else runs. The runtime reads each one
/// when it first needs it (the socket engine at the first socket, the thread pool at its first
/// work item), so <see cref="Apply"/> must run first. An operator's explicit setting always wins.
/// </summary>
/// <remarks>
/// Why: a bridged call is a chain of short steps (read a Thrift request, write an ICP frame; read
/// the ICP answer, complete the call, write the Thrift reply) and on a small or virtualised host
/// every thread wake-up and context switch costs more than the step itself. Each setting below
/// removes wake-ups or wasted CPU; bench/README.md has the figures.
/// </remarks>
internal static class RuntimeTuning
{
    /// <summary>
    /// Socket completions run on the socket engine's event thread instead of being queued to the
    /// thread pool. Safe here because no socket continuation in the daemon blocks: handlers
    /// await, and completions of pending ICP calls hop to the pool (RunContinuationsAsynchronously)
    /// except a bridged call's bounded reply path (IcpCallOptions.MayCompleteOnReader).
    /// </summary>
    private const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// With inline completions the runtime starts one event thread per core; half the cores is
    /// plenty for the daemon's socket work and leaves the rest to the thread pool, which runs the
    /// second half of every bridged call. Fewer event threads also means fewer of them woken.
    /// </summary>
    private const string SocketEngineThreads = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";

    /// <summary>
    /// Idle thread-pool workers park at once instead of spinning (with sched_yield) for work. The
    /// daemon shares its host with the RDS server and the sessions; spinning took them CPU (at one
    /// call at a time the daemon burnt 1.2-1.4 cores, mostly spinning) and gained no latency.
    /// </summary>
    private const string WorkerSpinLimit = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";

    public static void Apply()
    {
        SetUnlessSet(InlineSocketCompletions, "1");
        SetUnlessSet(SocketEngineThreads, Math.Max(1, Environment.ProcessorCount / 2).ToString(CultureInfo.InvariantCulture));
        SetUnlessSet(WorkerSpinLimit, "0");
    }

    private static void SetUnlessSet(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is null)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
