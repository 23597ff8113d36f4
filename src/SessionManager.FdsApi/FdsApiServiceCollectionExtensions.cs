using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SessionManager.FdsApi.Handler;
using SessionManager.FdsApi.Logging;
using SessionManager.FdsApi.Server;
using SessionManager.Icp.Settings;

namespace SessionManager.FdsApi;

public static class FdsApiServiceCollectionExtensions
{
    /// <summary>The fdsapi Thrift server. Register after ICP: hosted services stop in reverse
    /// order, and the Thrift side must drain its calls while the RDS link still answers them.</summary>
    public static IServiceCollection AddFdsApi(this IServiceCollection services)
    {
        services.AddOptions<FdsApiOptions>().BindConfiguration(FdsApiOptions.SectionName).ValidateOnStart();
        // Limits and timeouts follow reloads for clients that connect after it.
        services.AddReloadableOptions<FdsApiOptions>();
        services.TryAddSingleton<ISessionRouting, IdentitySessionRouting>();
        services.TryAddSingleton<IFdsApiCallGate, AllowAllCallGate>();
        services.AddSingleton<InFlightCalls>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<FdsApiLogLimits>();
        services.AddMetrics();
        services.AddSingleton<FdsApiMetrics>();
        services.AddSingleton<FdsApiDependencies>();
        services.AddSingleton<FdsApiServer>();
        services.AddHostedService(sp => sp.GetRequiredService<FdsApiServer>());
        services.AddSingleton<SessionManager.Icp.Hosting.ILivenessProbe>(sp => sp.GetRequiredService<FdsApiServer>().AcceptActivity);
        return services;
    }
}
