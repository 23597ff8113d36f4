using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SessionManager.Control;
using SessionManager.FdsApi;
using SessionManager.Icp;
using SessionManager.Metrics;
using SessionManager.Sessions;

namespace SessionManager.Hosting;

/// <summary>Composes the daemon. Tests build the same host with their own configuration.</summary>
public static class SessionManagerHost
{
    public static HostApplicationBuilder CreateBuilder(string[] args)
    {
        // The empty builder: none of the default logging providers, user secrets or watched
        // configuration files, whose loading was most of the start-up time. Settings come from
        // appsettings.json beside the binary (or the file Config:File names), then the
        // environment (Icp__SocketPath=…), then the command line (--Icp:SocketPath=…). A reload
        // (SIGHUP) reads the same sources again.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        string? named = SettingsFile.Named(args);
        builder.Configuration
            .AddJsonFile(named ?? SettingsFile.Default, optional: named is null, reloadOnChange: false)
            .AddEnvironmentVariables()
            .AddCommandLine(args);

        AddDaemonServices(builder.Services, builder.Configuration);
        builder.Services.AddConfigurationReload();
        builder.Services.AddWatchdog();
        return builder;
    }

    /// <summary>
    /// Everything that depends on the configuration. A reload composes a throwaway service
    /// collection with this same method from the files read again, checks it as a start would,
    /// and takes its reloadable values (<see cref="ConfigurationReloader"/>): nothing here may
    /// act at registration time.
    /// </summary>
    internal static void AddDaemonServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSessionManagerLogging(configuration);
        services.AddSystemdNotify();
        services.AddOptionsValidators();

        // First, so that a Metrics:Listen port in use stops start-up before anything else listens.
        services.AddSessionManagerMetrics();

        // Order matters for shutdown (reverse order): fdsapi drains its calls first, while the
        // ICP link can still answer them.
        services.AddSessionsPreparation();
        services.AddIcp();
        services.AddFdsApi();

        // Registered after the link, so stopped before it: sessions end (LogoffUserSession) while the ICP link is up.
        services.AddSessions(configuration);

        // After the sessions, so stopped before them: no smctl verb runs while sessions end.
        services.AddControl();
    }
}
