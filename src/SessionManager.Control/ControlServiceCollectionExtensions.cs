using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SessionManager.Control.Hosting;
using SessionManager.Control.Reload;
using SessionManager.Control.Verbs;

namespace SessionManager.Control;

public static class ControlServiceCollectionExtensions
{
    /// <summary>smctl's control socket and its verbs. Needs the sessions (AddSessions) and the ICP engine.</summary>
    public static IServiceCollection AddControl(this IServiceCollection services)
    {
        services.AddOptions<ControlOptions>().BindConfiguration(ControlOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ControlOptions>, ControlOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        // Replaced at merge by the daemon's own reload (SIGHUP handling lives elsewhere).
        services.TryAddSingleton<IConfigurationReloader, SignalConfigurationReloader>();
        services.AddSingleton<LinkWatch>();
        services.AddSingleton<ControlVerbs>();
        services.AddHostedService<ControlListener>();
        return services;
    }
}
