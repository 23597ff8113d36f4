namespace SessionManager.Icp.Connection;

/// <summary>
/// Tells code whether it is running inline on an ICP reader, as the continuation of a call that
/// was allowed to complete there (<see cref="IcpCallOptions.MayCompleteOnReader"/>). Such code
/// must yield before doing more than its bounded reply: e.g. a Thrift connection that finds its
/// client's next request already buffered hops to the thread pool before processing it.
/// </summary>
public static class IcpReaderInline
{
    [ThreadStatic]
    private static bool t_active;

    /// <summary>True while the current thread runs a continuation inline for an ICP reader.</summary>
    public static bool IsActive => t_active;

    internal static void Run(TaskCompletionSource<Protocol.RPCBase> completion, Protocol.RPCBase response)
    {
        t_active = true;
        try
        {
            completion.TrySetResult(response);
        }
        finally
        {
            t_active = false;
        }
    }
}
