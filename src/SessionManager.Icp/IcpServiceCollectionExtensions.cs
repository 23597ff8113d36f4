using Microsoft.Extensions.DependencyInjection;
using SessionManager.Icp.Handlers;
using SessionManager.Icp.Hosting;

namespace SessionManager.Icp;

public static class IcpServiceCollectionExtensions
{
    /// <summary>The ICP engine: the Unix-socket listener, the RDS client, the RDS→SM handlers.</summary>
    public static IServiceCollection AddIcp(this IServiceCollection services)
    {
        services.AddOptions<IcpOptions>().BindConfiguration(IcpOptions.SectionName).ValidateOnStart();
        services.AddSingleton<RdsClient>();
        services.AddSingleton<IIcpRequestHandler, PingHandler>();
        services.AddSingleton<IcpRequestDispatcher>();
        services.AddSingleton<IcpListener>();
        services.AddHostedService(sp => sp.GetRequiredService<IcpListener>());
        return services;
    }
}
