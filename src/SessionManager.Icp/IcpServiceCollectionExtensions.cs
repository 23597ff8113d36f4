using Google.Protobuf;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SessionManager.Icp.Handlers;
using SessionManager.Icp.Hosting;
using SessionManager.Icp.Link;
using SessionManager.Icp.Logging;
using SessionManager.Icp.Protocol;
using SessionManager.Icp.Settings;

namespace SessionManager.Icp;

public static class IcpServiceCollectionExtensions
{
    /// <summary>The ICP engine: the Unix-socket listener, the RDS link and client, the RDS→SM handlers.</summary>
    public static IServiceCollection AddIcp(this IServiceCollection services)
    {
        services.AddOptions<IcpOptions>().BindConfiguration(IcpOptions.SectionName)
            .PostConfigure<IConfiguration>(static (options, configuration) => options.ApplyEmptyAllowedUids(configuration))
            .ValidateOnStart();
        // Timeouts, limits and AllowedUids follow reloads from the next RDS connection on.
        services.AddReloadableOptions<IcpOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IcpLogLimits>();
        services.AddSingleton<RdsLink>();
        services.AddMetrics();
        services.AddSingleton<IcpMetrics>();
        services.AddSingleton<RdsClient>();
        services.AddIcpHandler<PingRequest, PingResponse, PingHandler>(MsgType.Ping);
        services.AddSingleton<IcpRequestDispatcher>();
        services.AddSingleton<IcpListener>();
        services.AddHostedService(sp => sp.GetRequiredService<IcpListener>());
        services.AddSingleton<ILivenessProbe>(sp => sp.GetRequiredService<IcpListener>().AcceptActivity);
        services.AddSingleton<ILivenessProbe, IcpReaderProbe>();
        return services;
    }

    /// <summary>
    /// Answers RDS→SM requests of <paramref name="msgType"/> with <typeparamref name="THandler"/>
    /// (a singleton). One handler per msgType; a later registration replaces an earlier one.
    /// </summary>
    public static IServiceCollection AddIcpHandler<TRequest, TResponse, THandler>(this IServiceCollection services, MsgType msgType)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : class, IMessage
        where THandler : class, IIcpRequestHandler<TRequest, TResponse>
    {
        services.TryAddSingleton<THandler>();
        services.AddSingleton<IcpHandlerRegistration>(new TypedHandlerRegistration<TRequest, TResponse, THandler>((uint)msgType));
        return services;
    }
}
