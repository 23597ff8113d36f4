using Google.Protobuf;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp;

/// <summary>
/// The rest of the daemon's way to call the RDS server: it sends through whichever ICP
/// connection is live, turns FAILED/NOTFOUND answers into exceptions and parses the payload.
/// </summary>
public sealed class RdsClient
{
    private IcpConnection? _current;

    public bool IsConnected => Volatile.Read(ref _current) is not null;

    /// <summary>The live connection, if any (for diagnostics and shutdown).</summary>
    public IcpConnection? Current => Volatile.Read(ref _current);

    /// <summary>Calls the RDS server and returns its parsed answer.</summary>
    /// <exception cref="IcpException">no answer could be had; the message names why.</exception>
    public async Task<TResponse> CallAsync<TResponse>(MsgType msgType, IMessage request, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>, new()
    {
        var answer = await SendAsync<TResponse>(msgType, request, cancellationToken);
        return await answer;
    }

    /// <summary>
    /// Sends a request and returns once it is on its way, with the task of its parsed answer:
    /// for callers that answer their own client before the RDS server answers them.
    /// </summary>
    /// <exception cref="IcpException">the request could not be sent.</exception>
    public async Task<Task<TResponse>> SendAsync<TResponse>(MsgType msgType, IMessage request, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>, new()
    {
        var connection = Volatile.Read(ref _current) ?? throw new IcpNotConnectedException();
        var response = await connection.SendRequestAsync((uint)msgType, request, cancellationToken);
        return ParseAnswerAsync<TResponse>(msgType, response);
    }

    private static async Task<TResponse> ParseAnswerAsync<TResponse>(MsgType msgType, Task<RPCBase> pending)
        where TResponse : IMessage<TResponse>, new()
    {
        var response = await pending;
        if (response.Status != RPCStatus.Success)
        {
            throw new IcpRemoteFailureException(msgType.ToString(), response.Status, response.ErrorDescription) { Tag = response.Tag };
        }

        return ProtoReader.Parse<TResponse>(response.Payload, msgType);
    }

    /// <summary>Makes <paramref name="connection"/> the live one unless another already is.</summary>
    internal bool TryAttach(IcpConnection connection) =>
        Interlocked.CompareExchange(ref _current, connection, null) is null;

    internal void Detach(IcpConnection connection) =>
        Interlocked.CompareExchange(ref _current, null, connection);
}
