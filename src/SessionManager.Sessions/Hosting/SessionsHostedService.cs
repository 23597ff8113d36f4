using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionManager.Icp.Link;
using SessionManager.Sessions.Logon;
using SessionManager.Sessions.Properties;
using SessionManager.Sessions.Registry;
using SessionManager.Sessions.Tokens;

namespace SessionManager.Sessions.Hosting;

/// <summary>
/// The sessions' part of start and stop: stale token files cleared, the RDS link watched (a lost
/// link disconnects every session), and at shutdown every session ended (Sessions:OnShutdown =
/// logoff, the default until sessions survive restarts) or left running (keep).
/// </summary>
public sealed partial class SessionsHostedService(
    SessionService sessions, SessionTokenFiles tokens, RdsLink link, PropertyStore properties, IOptions<SessionsOptions> options,
    IOptions<Backends.PipesOptions> pipes, ILogger<SessionsHostedService> logger) : IHostedService
{
    private IDisposable? _linkEvents;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        tokens.RemoveStale();
        CreatePipeDirectory(pipes.Value.Directory);
        properties.Geometry = sessions.Registry.GeometryOf;
        _linkEvents = link.Subscribe(async e =>
        {
            if (e.Kind == RdsLinkEventKind.Detached)
            {
                await sessions.LinkLostAsync();
            }
        });
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _linkEvents?.Dispose();
        int count = sessions.Registry.Count;
        if (string.Equals(options.Value.OnShutdown, "keep", StringComparison.OrdinalIgnoreCase))
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

    /// <summary>
    /// WinPR's pipe directory is shared by every session's backend, which run as their users: it is
    /// created 1777 (sticky: nobody can remove another's socket) when missing.
    /// </summary>
    private static void CreatePipeDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }

        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111 | UnixFileMode.StickyBit);
    }

    [LoggerMessage(3600, LogLevel.Information, "Shutting down: ending {Count} sessions (Sessions:OnShutdown = logoff)")]
    private static partial void EndingSessionsAtShutdown(ILogger logger, int count);

    [LoggerMessage(3601, LogLevel.Warning, "Shutting down: leaving {Count} sessions running (Sessions:OnShutdown = keep)")]
    private static partial void KeepingSessionsAtShutdown(ILogger logger, int count);
}
