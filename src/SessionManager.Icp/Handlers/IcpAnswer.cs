using Google.Protobuf;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Handlers;

/// <summary>
/// A handler's answer: a response message (SUCCESS), or an explicit FAILED with a description
/// meant for the RDS server's log (say what went wrong, never internals), or NOTFOUND.
/// </summary>
public readonly struct IcpAnswer<TResponse>
    where TResponse : class, IMessage
{
    private IcpAnswer(RPCStatus status, TResponse? response, string? errorDescription)
    {
        Status = status;
        Response = response;
        ErrorDescription = errorDescription;
    }

    public RPCStatus Status { get; }

    public TResponse? Response { get; }

    public string? ErrorDescription { get; }

    internal static IcpAnswer<TResponse> Create(RPCStatus status, TResponse? response, string? errorDescription) => new(status, response, errorDescription);

    public static implicit operator IcpAnswer<TResponse>(TResponse response) => new(RPCStatus.Success, response, null);
}

/// <summary>Builds <see cref="IcpAnswer{TResponse}"/> values.</summary>
public static class IcpAnswer
{
    public static IcpAnswer<TResponse> Success<TResponse>(TResponse response)
        where TResponse : class, IMessage => IcpAnswer<TResponse>.Create(RPCStatus.Success, response, null);

    /// <summary>FAILED, with a description for the RDS server's log: what went wrong, never internals.</summary>
    public static IcpAnswer<TResponse> Failed<TResponse>(string description)
        where TResponse : class, IMessage => IcpAnswer<TResponse>.Create(RPCStatus.Failed, null, description);

    public static IcpAnswer<TResponse> NotFound<TResponse>()
        where TResponse : class, IMessage => IcpAnswer<TResponse>.Create(RPCStatus.Notfound, null, null);
}
