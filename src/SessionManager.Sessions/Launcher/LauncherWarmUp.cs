using Microsoft.Extensions.Hosting;

namespace SessionManager.Sessions.Launcher;

/// <summary>Starts sm-spawner with the daemon (not awaited: readiness does not wait for it).</summary>
internal sealed class LauncherWarmUp(SessionLauncher launcher) : IHostedService
{
    // Bounded by Launcher:StartTimeout; at shutdown the launcher's disposal ends the spawner.
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = launcher.WarmUpAsync(CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
