using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;

namespace SessionManager.Icp.Handlers;

/// <summary>One msgType and how to answer it: the untyped form the dispatcher keeps.</summary>
public abstract class IcpHandlerRegistration(uint msgType)
{
    public uint MsgType { get; } = msgType;

    /// <summary>Parses the payload, runs the handler, builds the response envelope.</summary>
    internal abstract ValueTask<RPCBase> HandleAsync(IServiceProvider services, RPCBase request, IcpRequestContext context);
}

internal sealed class TypedHandlerRegistration<TRequest, TResponse, THandler>(uint msgType) : IcpHandlerRegistration(msgType)
    where TRequest : IMessage<TRequest>, new()
    where TResponse : class, IMessage
    where THandler : IIcpRequestHandler<TRequest, TResponse>
{
    private THandler? _handler;

    internal override ValueTask<RPCBase> HandleAsync(IServiceProvider services, RPCBase request, IcpRequestContext context)
    {
        // The handler is a singleton: resolved once, on first use (handlers may depend on
        // services that depend on the ICP engine).
        var handler = _handler ??= services.GetRequiredService<THandler>();
        return IcpEnvelopes.RunAsync(handler, MsgType, request, context);
    }
}

/// <summary>A handler given as an instance (tests, and handlers built by hand).</summary>
public sealed class IcpHandlerInstance<TRequest, TResponse>(uint msgType, IIcpRequestHandler<TRequest, TResponse> handler) : IcpHandlerRegistration(msgType)
    where TRequest : IMessage<TRequest>, new()
    where TResponse : class, IMessage
{
    internal override ValueTask<RPCBase> HandleAsync(IServiceProvider services, RPCBase request, IcpRequestContext context) =>
        IcpEnvelopes.RunAsync(handler, MsgType, request, context);
}

internal static class IcpEnvelopes
{
    /// <summary>Parses the payload, runs the handler, builds the envelope; synchronously when the handler completes at once.</summary>
    public static ValueTask<RPCBase> RunAsync<TRequest, TResponse>(IIcpRequestHandler<TRequest, TResponse> handler, uint msgType, RPCBase request, IcpRequestContext context)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : class, IMessage
    {
        var parsed = ProtoReader.ParseRequest<TRequest>(request.Payload, msgType);
        var answering = handler.HandleAsync(parsed, context);
        return answering.IsCompletedSuccessfully
            ? ValueTask.FromResult(Of(request, answering.Result))
            : AwaitAsync(request, answering);
    }

    private static async ValueTask<RPCBase> AwaitAsync<TResponse>(RPCBase request, ValueTask<IcpAnswer<TResponse>> answering)
        where TResponse : class, IMessage => Of(request, await answering);

    public static RPCBase Of<TResponse>(RPCBase request, IcpAnswer<TResponse> answer)
        where TResponse : class, IMessage => answer.Status switch
        {
            RPCStatus.Success when answer.Response is not null => RpcMessages.Success(request.Tag, request.MsgType, answer.Response),
            RPCStatus.Success => RpcMessages.Failure(request.Tag, request.MsgType, RPCStatus.Failed, "handler gave no response"),
            _ => RpcMessages.Failure(request.Tag, request.MsgType, answer.Status, answer.ErrorDescription),
        };
}
