using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SessionManager.Control;
using SessionManager.FdsApi;
using SessionManager.Icp;
using SessionManager.Sessions;

namespace SessionManager.Hosting;

/// <summary>Composes the daemon. Tests build the same host with their own configuration.</summary>
public static class SessionManagerHost
{
    public static HostApplicationBuilder CreateBuilder(string[] args)
    {
        // The empty builder: none of the default logging providers, user secrets or watched
        // configuration files, whose loading was most of the start-up time. Settings come from
        // appsettings.json beside the binary, then the environment (Icp__SocketPath=…), then
        // the command line (--Icp:SocketPath=…).
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false)
            .AddEnvironmentVariables()
            .AddCommandLine(args);

        builder.Services.AddSessionManagerLogging(builder.Configuration);
        builder.Services.AddSystemd();
        builder.Services.AddOptionsValidators();

        // Order matters for shutdown (reverse order): fdsapi drains its calls first, while the
        // ICP link can still answer them.
        builder.Services.AddSessionsPreparation();
        builder.Services.AddIcp();
        builder.Services.AddFdsApi();

        // Registered last, so stopped first: sessions end (LogoffUserSession) while the ICP link is up.
        builder.Services.AddSessions(builder.Configuration);

        // After the sessions, so stopped before them: no smctl verb runs while sessions end.
        builder.Services.AddControl();
        return builder;
    }
}
