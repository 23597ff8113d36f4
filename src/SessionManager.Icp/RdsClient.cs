using Google.Protobuf;
using Microsoft.Extensions.Options;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Link;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp;

/// <summary>
/// The rest of the daemon's way to call the RDS server: it sends through the current link,
/// turns FAILED/NOTFOUND answers into exceptions and parses the payload.
/// </summary>
public sealed class RdsClient(RdsLink link, IOptions<IcpOptions>? options = null)
{
    private static readonly TimeSpan DefaultMessageBoxMaxWait = new IcpOptions().MessageBoxMaxWait;

    public RdsLink Link { get; } = link;

    /// <summary><see cref="IcpOptions.MessageBoxMaxWait"/>: the longest a box is shown and waited for.</summary>
    public TimeSpan MessageBoxMaxWait => options?.Value.MessageBoxMaxWait ?? DefaultMessageBoxMaxWait;

    public bool IsConnected => Link.IsAttached;

    /// <summary>The live connection, if any (for diagnostics and shutdown).</summary>
    public IcpConnection? Current => Link.Current;

    /// <summary>Fails the calls waiting for the RDS server now (shutdown); the link stays.</summary>
    public int AbandonPendingCalls(string reason) => Link.Current?.AbandonPendingCalls(reason) ?? 0;

    /// <summary>Calls the RDS server and returns its parsed answer.</summary>
    /// <exception cref="IcpException">no answer could be had; the message names why.</exception>
    public async Task<TResponse> CallAsync<TResponse>(MsgType msgType, IMessage request, IcpCallOptions options = default, CancellationToken cancellationToken = default)
        where TResponse : IMessage<TResponse>, new()
    {
        var connection = Link.Current ?? throw new IcpNotConnectedException();
        return ParseAnswer<TResponse>(msgType, await connection.CallAsync((uint)msgType, request, options, cancellationToken));
    }

    /// <summary>
    /// Sends a request and returns once it is on its way, with the task of its parsed answer:
    /// for callers that answer their own client before the RDS server answers them.
    /// </summary>
    /// <exception cref="IcpException">the request could not be sent.</exception>
    public async ValueTask<Task<TResponse>> SendAsync<TResponse>(MsgType msgType, IMessage request, IcpCallOptions options = default)
        where TResponse : IMessage<TResponse>, new()
    {
        var connection = Link.Current ?? throw new IcpNotConnectedException();
        var (sent, answer) = connection.StartCall((uint)msgType, request, options);
        await sent;
        return ParseAnswerAsync<TResponse>(msgType, answer);
    }

    private static async Task<TResponse> ParseAnswerAsync<TResponse>(MsgType msgType, Task<RPCBase> pending)
        where TResponse : IMessage<TResponse>, new() => ParseAnswer<TResponse>(msgType, await pending);

    private static TResponse ParseAnswer<TResponse>(MsgType msgType, RPCBase response)
        where TResponse : IMessage<TResponse>, new()
    {
        if (response.Status != RPCStatus.Success)
        {
            throw new IcpRemoteFailureException(msgType.ToString(), response.Status, response.ErrorDescription) { Tag = response.Tag };
        }

        return ProtoReader.Parse<TResponse>(response.Payload, msgType);
    }
}
