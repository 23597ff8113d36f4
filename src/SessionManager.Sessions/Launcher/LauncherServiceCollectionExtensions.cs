using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SessionManager.Sessions.Launcher;

public static class LauncherServiceCollectionExtensions
{
    /// <summary>The launcher client (<see cref="SessionLauncher"/>) with <c>Launcher:*</c> and <c>Auth:*</c>, validated at start.</summary>
    public static IServiceCollection AddLauncher(this IServiceCollection services)
    {
        services.AddOptions<LauncherOptions>().BindConfiguration(LauncherOptions.SectionName).ValidateOnStart();
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LauncherOptions>, LauncherOptionsValidator>();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SessionLauncher>();
        services.AddHostedService<LauncherWarmUp>();
        return services;
    }
}
