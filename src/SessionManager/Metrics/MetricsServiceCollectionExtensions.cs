using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace SessionManager.Metrics;

internal static class MetricsServiceCollectionExtensions
{
    /// <summary>The host's meter and the Prometheus exporter (Metrics:Listen), validated at start.</summary>
    public static IServiceCollection AddSessionManagerMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.AddSingleton<HostMetrics>();
        services.AddSingleton<MetricsExporter>();
        services.AddHostedService(sp => sp.GetRequiredService<MetricsExporter>());
        return services;
    }

    private sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
    {
        public ValidateOptionsResult Validate(string? name, MetricsOptions o) =>
            o.Listen.Length == 0 || o.ParseEndpoint() is not null
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"Metrics:Listen: must be empty (off) or address:port such as 127.0.0.1:9464, port 1-65535 (got '{o.Listen}')");
    }
}
