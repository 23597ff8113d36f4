using Google.Protobuf;

namespace SessionManager.Icp.Handlers;

/// <summary>
/// Answers one RDS→SM request type with typed messages. The request arrives parsed (leniently:
/// missing fields take their defaults, as ICP.md asks). An exception that escapes answers
/// FAILED with a generic description and is logged with its details.
/// Register with <see cref="IcpServiceCollectionExtensions.AddIcpHandler{TRequest, TResponse, THandler}"/>.
/// </summary>
public interface IIcpRequestHandler<in TRequest, TResponse>
    where TRequest : IMessage<TRequest>, new()
    where TResponse : class, IMessage
{
    ValueTask<IcpAnswer<TResponse>> HandleAsync(TRequest request, IcpRequestContext context);
}
