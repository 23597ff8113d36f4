using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using SessionManager.Icp.Settings;

namespace SessionManager.Hosting;

/// <summary>
/// SIGHUP (<c>systemctl reload</c>): the configuration is read again from the same sources,
/// composed and checked exactly as at start (<see cref="SessionManagerHost.AddDaemonServices"/>
/// into a throwaway service provider, then <see cref="StartupChecks"/>), and only if every
/// check passes are the reloadable values of that provider published, all in one step
/// (<see cref="SettingsGenerations"/>), and the log levels changed. A bad file changes nothing
/// and is logged with each key and why. Consumers read the values at use, so calls and logons
/// in flight finish with what they started with.
/// </summary>
internal sealed class ConfigurationReloader : BackgroundService
{
    private readonly IConfiguration _started;
    private readonly SettingsGenerations _generations;
    private readonly LogLevels _levels;
    private readonly ISystemdNotifier _notifier;
    private readonly TimeProvider _time;
    private readonly ILogger<ConfigurationReloader> _logger;

    // Signals that arrive while a reload runs collapse into one more reload.
    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly PosixSignalRegistration _sighup;

    // One reload at a time, whether a signal or smctl asked for it.
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    // What the running values were read from: reloadable keys are compared with the last
    // published generation, restart-only keys with the start (their values never change).
    private IConfiguration? _published;

    public ConfigurationReloader(IConfiguration started, SettingsGenerations generations, LogLevels levels, ISystemdNotifier notifier, TimeProvider time,
        ILogger<ConfigurationReloader> logger)
    {
        _started = started;
        _generations = generations;
        _levels = levels;
        _notifier = notifier;
        _time = time;
        _logger = logger;

        // Without a handler SIGHUP ends the process (its default action). The host builds every
        // hosted service before it starts the first, so from the moment a socket listens, a
        // SIGHUP is a reload; one that comes before reloads once the host has started.
        _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            _requests.Writer.TryWrite(true);
        });
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _sighup.Dispose();
        return base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _sighup.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in _requests.Reader.ReadAllAsync(stoppingToken))
            {
                await RequestedReloadAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>A reload as systemd sees it (RELOADING=1 ... READY=1), for SIGHUP and smctl alike;
    /// the outcome is what <c>smctl reload</c> prints.</summary>
    public async Task<ReloadOutcome> RequestedReloadAsync(CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            _notifier.Reloading(_time);
            _logger.ConfigurationReloading();
            try
            {
                return await ReloadAsync();
            }
            finally
            {
                // systemd leaves "reloading" at READY=1, whether the new file was taken or not.
                _notifier.Notify(ServiceState.Ready);
            }
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>One reload: read, compose, check, publish or refuse.</summary>
    internal async Task<ReloadOutcome> ReloadAsync()
    {
        IConfigurationRoot candidate;
        try
        {
            candidate = ReadAgain();
        }
        catch (Exception ex)
        {
            return Refused(DaemonRunner.Describe(ex) ?? ex.Message);
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(candidate);
        SessionManagerHost.AddDaemonServices(services, candidate);
        await using var provider = services.BuildServiceProvider();
        Dictionary<Type, object> values;
        try
        {
            var problems = StartupChecks.Problems(provider);
            if (problems.Count > 0)
            {
                return Refused(string.Join("; ", problems));
            }

            values = provider.GetServices<IReloadable>().ToDictionary(r => r.ValueType, r => r.Current);
        }
        catch (Exception ex)
        {
            return Refused(DaemonRunner.Describe(ex) ?? $"{ex.GetType().Name}: {ex.Message}");
        }

        var changed = ChangedKeys(_published ?? _started, candidate);
        var needRestart = ChangedKeys(_started, candidate).Where(RestartOnlyKeys.Contains).ToList();
        _generations.Publish(values);
        _levels.Apply(provider.GetRequiredService<LogSettings>());
        _published = candidate;
        string applied = List(changed.Where(k => !RestartOnlyKeys.Contains(k)));
        _logger.ConfigurationReloaded(_generations.Number, applied, List(needRestart));
        return new ReloadOutcome(true, $"configuration generation {_generations.Number}: changed {applied}; needing a restart (kept at their running values) {List(needRestart)}");
    }

    private ReloadOutcome Refused(string problems)
    {
        _logger.ConfigurationReloadRefused(problems);
        return new ReloadOutcome(false, $"refused, the running configuration is kept: {problems}");
    }

    /// <summary>The configuration from the sources the host was built with, read anew.</summary>
    private IConfigurationRoot ReadAgain()
    {
        if (_started is not IConfigurationBuilder built)
        {
            throw new InvalidOperationException("the host's configuration sources are not known; restart to change settings");
        }

        var builder = new ConfigurationBuilder();
        foreach (var source in built.Sources)
        {
            builder.Add(source);
        }

        return builder.Build();
    }

    /// <summary>Keys whose value differs (added, removed or changed); values are not logged.</summary>
    private static List<string> ChangedKeys(IConfiguration before, IConfiguration after)
    {
        var old = Flatten(before);
        var now = Flatten(after);
        return [.. old.Keys.Union(now.Keys, StringComparer.OrdinalIgnoreCase)
            .Where(k => !string.Equals(old.GetValueOrDefault(k), now.GetValueOrDefault(k), StringComparison.Ordinal))
            .Order(StringComparer.OrdinalIgnoreCase)];
    }

    private static Dictionary<string, string?> Flatten(IConfiguration configuration) =>
        configuration.AsEnumerable().Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);

    private static string List(IEnumerable<string> keys) => keys.Any() ? string.Join(", ", keys) : "none";
}

/// <param name="Taken">true: the new configuration runs; false: it was refused (<paramref name="Summary"/> says why).</param>
internal sealed record ReloadOutcome(bool Taken, string Summary);

/// <summary><c>smctl reload</c> through the daemon's own reload: it waits for it and reports what it did.</summary>
internal sealed class ControlReload(ConfigurationReloader reloader) : SessionManager.Control.Reload.IConfigurationReloader
{
    public async Task<SessionManager.Control.Reload.ReloadResult> ReloadAsync(CancellationToken cancellationToken)
    {
        var outcome = await reloader.RequestedReloadAsync(cancellationToken);
        return new SessionManager.Control.Reload.ReloadResult(outcome.Taken, outcome.Summary);
    }
}

internal static class ConfigurationReloadRegistration
{
    public static IServiceCollection AddConfigurationReload(this IServiceCollection services)
    {
        services.AddSingleton<ConfigurationReloader>();
        services.AddHostedService(sp => sp.GetRequiredService<ConfigurationReloader>());
        // In place of the control library's stand-in (a SIGHUP to itself, reporting only "requested").
        services.RemoveAll<SessionManager.Control.Reload.IConfigurationReloader>();
        services.AddSingleton<SessionManager.Control.Reload.IConfigurationReloader, ControlReload>();
        return services;
    }
}
