using System.Collections.Frozen;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Logging;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Handlers;

/// <summary>
/// Routes RDS→SM requests to their handlers and turns the outcome into the response envelope.
/// Every request gets exactly one response: unknown types NOTFOUND, handler errors FAILED.
/// </summary>
public sealed class IcpRequestDispatcher
{
    private readonly FrozenDictionary<uint, IIcpRequestHandler> _handlers;
    private readonly ILogger<IcpRequestDispatcher> _logger;

    public IcpRequestDispatcher(IEnumerable<IIcpRequestHandler> handlers, ILogger<IcpRequestDispatcher> logger)
    {
        _handlers = handlers.ToFrozenDictionary(h => h.MsgType);
        _logger = logger;
    }

    /// <summary>
    /// Starts handling; completes synchronously for the common fast handlers so the read loop
    /// can answer without scheduling anything.
    /// </summary>
    public ValueTask<RPCBase> DispatchAsync(RPCBase request, CancellationToken cancellationToken)
    {
        if (!_handlers.TryGetValue(request.MsgType, out var handler))
        {
            _logger.NoHandler(request.Tag, request.MsgType, IcpMessageTypes.NameOf(request.MsgType));
            return ValueTask.FromResult(RpcMessages.Failure(request.Tag, request.MsgType, RPCStatus.Notfound, null));
        }

        ValueTask<IMessage> handling;
        try
        {
            handling = handler.HandleAsync(request.Payload, cancellationToken);
        }
        catch (Exception ex)
        {
            return ValueTask.FromResult(HandlerFailed(request, ex));
        }

        return handling.IsCompletedSuccessfully
            ? ValueTask.FromResult(RpcMessages.Success(request.Tag, request.MsgType, handling.Result))
            : AwaitHandlerAsync(request, handling);
    }

    private async ValueTask<RPCBase> AwaitHandlerAsync(RPCBase request, ValueTask<IMessage> handling)
    {
        try
        {
            return RpcMessages.Success(request.Tag, request.MsgType, await handling);
        }
        catch (Exception ex)
        {
            return HandlerFailed(request, ex);
        }
    }

    private RPCBase HandlerFailed(RPCBase request, Exception ex)
    {
        _logger.HandlerFailed(ex, request.Tag, request.MsgType, IcpMessageTypes.NameOf(request.MsgType));
        return RpcMessages.Failure(request.Tag, request.MsgType, RPCStatus.Failed, ex.Message);
    }
}
