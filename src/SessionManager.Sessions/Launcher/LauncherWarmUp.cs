using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SessionManager.Sessions.Launcher;

/// <summary>Checks Launcher:StateDirectory (an unsafe one stops the start: exit 2), then starts
/// sm-spawner with the daemon (not awaited: readiness does not wait for it).</summary>
internal sealed class LauncherWarmUp(SessionLauncher launcher, IOptions<LauncherOptions> options, ILogger<SessionLauncher> logger) : IHostedService
{
    // Bounded by Launcher:StartTimeout; at shutdown the launcher's disposal ends the spawner.
    public Task StartAsync(CancellationToken cancellationToken)
    {
        StateDirectory.Prepare(options.Value.StateDirectory, logger);
        _ = launcher.WarmUpAsync(CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
