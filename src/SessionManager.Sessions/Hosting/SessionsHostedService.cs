using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionManager.Icp.Link;
using SessionManager.Sessions.Logon;
using SessionManager.Sessions.Registry;

namespace SessionManager.Sessions.Hosting;

/// <summary>
/// The sessions' part of running and stopping: the RDS link watched (a lost link disconnects
/// every session), and at shutdown every session ended (Sessions:OnShutdown = logoff, the default
/// until sessions survive restarts) or left running (keep). Registered after the ICP engine, so
/// it stops first, while LogoffUserSession can still reach the RDS server.
/// </summary>
public sealed partial class SessionsHostedService(
    SessionService sessions, RdsLink link, IOptionsMonitor<SessionsOptions> options, ILogger<SessionsHostedService> logger) : IHostedService
{
    private IDisposable? _linkEvents;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _linkEvents = link.Subscribe(async e =>
        {
            // By generation: a loss handled after the RDS reconnected must not touch the new link's connections.
            if (e.Kind == RdsLinkEventKind.Detached)
            {
                await sessions.LinkLostAsync(e.Generation);
            }
            else if (e.Kind == RdsLinkEventKind.Attached)
            {
                sessions.Registry.LinkAttached(e.Generation);
            }
        });
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _linkEvents?.Dispose();
        int count = sessions.Registry.Count;
        if (string.Equals(options.CurrentValue.OnShutdown, "keep", StringComparison.OrdinalIgnoreCase))
        {
            KeepingSessionsAtShutdown(logger, count);
            return;
        }

        if (count > 0)
        {
            EndingSessionsAtShutdown(logger, count);
            await sessions.EndAllAsync("the session manager is shutting down").WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None)
                .ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    [LoggerMessage(3600, LogLevel.Information, "Shutting down: ending {Count} sessions (Sessions:OnShutdown = logoff)")]
    private static partial void EndingSessionsAtShutdown(ILogger logger, int count);

    [LoggerMessage(3601, LogLevel.Warning, "Shutting down: leaving {Count} sessions running (Sessions:OnShutdown = keep)")]
    private static partial void KeepingSessionsAtShutdown(ILogger logger, int count);
}
