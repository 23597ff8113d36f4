using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Errors;

/// <summary>
/// Why an SM→RDS call produced no answer. Each subclass's message is written for the person
/// reading it at the other end of the Thrift API (FDSAPI.md "Errors"): it names the cause.
/// </summary>
public abstract class IcpException : Exception
{
    protected IcpException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    /// <summary>The tag of the ICP request concerned, when it was sent (for the logs).</summary>
    public uint? Tag { get; init; }
}

/// <summary>No RDS server is connected, so the call was not sent.</summary>
public sealed class IcpNotConnectedException() : IcpException("RDS server not connected");

/// <summary>The RDS server did not answer within <see cref="IcpOptions.RequestTimeout"/>.</summary>
public sealed class IcpTimeoutException(string messageName, TimeSpan timeout)
    : IcpException($"ICP {messageName} timed out after {FormatSeconds(timeout)}")
{
    public TimeSpan Timeout { get; } = timeout;

    private static string FormatSeconds(TimeSpan t) =>
        t.TotalSeconds >= 1 && t.TotalSeconds == Math.Floor(t.TotalSeconds)
            ? $"{t.TotalSeconds:0} s"
            : $"{t.TotalMilliseconds:0.###} ms";
}

/// <summary>The RDS connection ended while the call was pending (or while it was being sent).</summary>
public sealed class IcpConnectionLostException(string messageName, Exception? reason)
    : IcpException($"RDS connection lost during ICP {messageName}" + (reason is null ? "" : $": {reason.Message}"), reason);

/// <summary>The RDS server answered FAILED or NOTFOUND.</summary>
public sealed class IcpRemoteFailureException : IcpException
{
    public IcpRemoteFailureException(string messageName, RPCStatus status, string? errorDescription)
        : base(Describe(messageName, status, errorDescription))
    {
        Status = status;
        ErrorDescription = errorDescription;
    }

    public RPCStatus Status { get; }

    public string? ErrorDescription { get; }

    private static string Describe(string name, RPCStatus status, string? description) => status switch
    {
        RPCStatus.Notfound => $"RDS server has no handler for {name} (NOTFOUND)",
        _ => $"RDS server failed {name}: {(string.IsNullOrEmpty(description) ? "no reason given" : description)}",
    };
}

/// <summary>
/// An RDS→SM request whose payload does not parse as its msgType's message: the peer's mistake,
/// answered FAILED (a missing field is not one: parsing is lenient, see ProtoReader).
/// </summary>
public sealed class IcpBadRequestException(string messageName, Exception inner)
    : IcpException($"RDS server sent an unreadable {messageName} request: {inner.Message}", inner);

/// <summary>The answer arrived but its payload does not parse as the expected response.</summary>
public sealed class IcpBadResponseException(string messageName, Exception inner)
    : IcpException($"RDS server sent an unreadable {messageName} response: {inner.Message}", inner);

/// <summary>
/// The call was refused before it was sent because a limit of the link would be passed (the
/// message names the limit and its configuration key). The link itself is unharmed.
/// </summary>
public sealed class IcpLimitException(string message) : IcpException(message);

/// <summary>The daemon stopped waiting for the answer (shutdown's grace period is over).</summary>
public sealed class IcpCallAbandonedException(string messageName, string reason)
    : IcpException($"ICP {messageName} abandoned: {reason}");
