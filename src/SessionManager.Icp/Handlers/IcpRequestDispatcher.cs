using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Logging;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Handlers;

/// <summary>
/// Routes RDS→SM requests to their handlers and turns the outcome into the response envelope.
/// Every request gets exactly one response: unknown types NOTFOUND, handler errors FAILED with
/// a description that reveals nothing of the daemon's internals (the details go to our log).
/// </summary>
public sealed class IcpRequestDispatcher
{
    /// <summary>What the RDS server is told when a handler fails unexpectedly.</summary>
    internal const string InternalErrorDescription = "internal error in the session manager";

    private readonly FrozenDictionary<uint, IcpHandlerRegistration> _handlers;
    private readonly IServiceProvider _services;
    private readonly ILogger<IcpRequestDispatcher> _logger;

    private readonly IcpLogLimits _logLimits;

    public IcpRequestDispatcher(IEnumerable<IcpHandlerRegistration> handlers, IServiceProvider services, ILogger<IcpRequestDispatcher> logger, IcpLogLimits? logLimits = null)
    {
        _logLimits = logLimits ?? IcpLogLimits.None;
        _handlers = handlers.GroupBy(h => h.MsgType).ToFrozenDictionary(g => g.Key, g => g.Last());
        _services = services;
        _logger = logger;
    }

    public bool Handles(uint msgType) => _handlers.ContainsKey(msgType);

    public ValueTask<RPCBase> DispatchAsync(RPCBase request, IcpRequestContext context)
    {
        if (!_handlers.TryGetValue(request.MsgType, out var handler))
        {
            if (_logLimits.NoHandler.ShouldLog())
            {
                _logger.NoHandler(request.Tag, request.MsgType, IcpMessageTypes.NameOf(request.MsgType));
            }

            return ValueTask.FromResult(RpcMessages.Failure(request.Tag, request.MsgType, RPCStatus.Notfound, null));
        }

        ValueTask<RPCBase> handling;
        try
        {
            handling = handler.HandleAsync(_services, request, context);
        }
        catch (Exception ex)
        {
            return ValueTask.FromResult(HandlerFailed(request, ex));
        }

        return handling.IsCompletedSuccessfully ? handling : AwaitHandlerAsync(request, handling);
    }

    private async ValueTask<RPCBase> AwaitHandlerAsync(RPCBase request, ValueTask<RPCBase> handling)
    {
        try
        {
            return await handling;
        }
        catch (Exception ex)
        {
            return HandlerFailed(request, ex);
        }
    }

    private RPCBase HandlerFailed(RPCBase request, Exception ex)
    {
        // A request whose payload does not parse is the peer's mistake: say so, and log it like the
        // other lines a peer can trigger at will (rate-limited, no stack trace). Found by the fuzz
        // run (issue 8): each such frame used to be an Error line with a full stack trace.
        if (ex is IcpBadRequestException bad)
        {
            if (_logLimits.UnreadableRequest.ShouldLog())
            {
                _logger.UnreadableRequest(request.Tag, request.MsgType, IcpMessageTypes.NameOf(request.MsgType), bad.InnerException?.Message ?? bad.Message);
            }

            return RpcMessages.Failure(request.Tag, request.MsgType, RPCStatus.Failed, $"unreadable request: {bad.InnerException?.Message}");
        }

        // Anything else is ours.
        _logger.HandlerFailed(ex, request.Tag, request.MsgType, IcpMessageTypes.NameOf(request.MsgType));
        return RpcMessages.Failure(request.Tag, request.MsgType, RPCStatus.Failed, InternalErrorDescription);
    }
}
