using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SessionManager.Icp.Settings;

public static class ReloadableServiceCollectionExtensions
{
    /// <summary>
    /// <typeparamref name="T"/> follows reloads: <see cref="IOptionsMonitor{T}"/> gives the value of
    /// the generation in use, built first by <paramref name="read"/> (from the services of the
    /// configuration read at start, or of the one a reload read).
    /// </summary>
    public static IServiceCollection AddReloadable<T>(this IServiceCollection services, Func<IServiceProvider, T> read)
        where T : class
    {
        services.TryAddSingleton<SettingsGenerations>();
        services.AddSingleton(sp => new Reloadable<T>(sp.GetRequiredService<SettingsGenerations>(), () => read(sp)));
        // A closed registration wins over the options library's open IOptionsMonitor<>.
        services.AddSingleton<IOptionsMonitor<T>>(sp => sp.GetRequiredService<Reloadable<T>>());
        services.AddSingleton<IReloadable>(sp => sp.GetRequiredService<Reloadable<T>>());
        return services;
    }

    /// <summary>The options class <typeparamref name="T"/> (bound and validated as at start) follows reloads.</summary>
    public static IServiceCollection AddReloadableOptions<T>(this IServiceCollection services)
        where T : class =>
        services.AddReloadable(sp => sp.GetRequiredService<IOptions<T>>().Value);
}
