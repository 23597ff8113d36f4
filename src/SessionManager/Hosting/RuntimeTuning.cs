namespace SessionManager.Hosting;

/// <summary>Process-wide runtime settings, applied before anything else runs.</summary>
internal static class RuntimeTuning
{
    private const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Socket completions run on the socket engine's event thread instead of being queued to the
    /// thread pool. A bridged call is a chain of short steps (read a Thrift request, write an ICP
    /// frame; read the ICP answer, complete the call) and each queueing hop costs a thread
    /// wake-up, which was most of a call's latency. Safe here because no socket continuation in
    /// the daemon blocks: handlers await, and completions of pending calls still hop to the pool
    /// (RunContinuationsAsynchronously). The runtime reads the variable when the first socket is
    /// created, so this must run first; an operator's explicit setting (e.g. 0) wins.
    /// </summary>
    public static void Apply()
    {
        if (Environment.GetEnvironmentVariable(InlineSocketCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineSocketCompletions, "1");
        }
    }
}
