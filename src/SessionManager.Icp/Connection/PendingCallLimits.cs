namespace SessionManager.Icp.Connection;

/// <summary>The bounds of one connection's pending-call table (see <see cref="IcpOptions"/>).</summary>
/// <param name="Total">every call but the heartbeat's Ping (<c>Icp:MaxPendingCalls</c>).</param>
/// <param name="PerSession">the calls of one <see cref="IcpCaller.SessionId"/> (<c>Icp:MaxPendingCallsPerSession</c>).</param>
/// <param name="PerToken">the calls of one <see cref="IcpCaller.Token"/> (<c>Icp:MaxPendingCallsPerToken</c>).</param>
internal readonly record struct PendingCallLimits(int Total, int PerSession, int PerToken)
{
    public static PendingCallLimits From(IcpOptions options) =>
        new(options.MaxPendingCalls, options.MaxPendingCallsPerSession, options.MaxPendingCallsPerToken);

    /// <summary>Only the total bound (tests of the table's other duties).</summary>
    public static PendingCallLimits TotalOnly(int total) => new(total, int.MaxValue, int.MaxValue);
}
