using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace SessionManager.Sessions.Launcher;

/// <summary>
/// Keeps one sm-spawner running for the daemon and starts launchers through it. The spawner is
/// started on first need, and again after it ended (at once, or a second after its previous
/// start, so a spawner that cannot run does not loop). Launchers it started and did not see end
/// are handed to <see cref="OrphanedLaunchers"/>.
/// </summary>
internal sealed class LauncherSpawner : IDisposable
{
    private static readonly TimeSpan RestartPause = TimeSpan.FromSeconds(1);

    private readonly LauncherOptions _options;
    private readonly Func<IReadOnlyList<string>> _launcherCommand;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _startGate = new(1, 1);
    private readonly OrphanedLaunchers _orphans = new();
    private SpawnerChannel? _channel;
    private long _lastStart;
    private volatile bool _disposed;
    private volatile bool _stopping;

    /// <param name="launcherCommand">sm-launcher's path, after a test's command prefix (valgrind);
    /// asked when a spawner starts.</param>
    public LauncherSpawner(LauncherOptions options, Func<IReadOnlyList<string>> launcherCommand, ILogger logger)
    {
        _options = options;
        _launcherCommand = launcherCommand;
        _logger = logger;
    }

    /// <summary>The running spawner's pid (tests); 0 if none runs.</summary>
    internal int Pid => _channel is { IsEnded: false } c ? c.Pid : 0;

    public async Task<SpawnedLauncher> SpawnAsync(string socketPath, CancellationToken ct)
    {
        var channel = await RunningAsync(ct).ConfigureAwait(false);
        return await channel.SpawnAsync(socketPath, _options.ConnectDeadline, _options.StopTimeout, _options.PamPriority, ct).ConfigureAwait(false);
    }

    /// <summary>Makes sure a spawner runs (daemon start).</summary>
    public Task StartAsync(CancellationToken ct) => RunningAsync(ct);

    /// <summary>
    /// The daemon stops: a spawner that ends from now on is not started again. (A signal to the
    /// daemon's whole process group, a Ctrl-C at its terminal or GNU timeout, ends the spawner
    /// at the same moment as the daemon.) Launchers can still be started until disposal.
    /// </summary>
    public void StopRestarting() => _stopping = true;

    public void Dispose()
    {
        _disposed = true;
        _channel?.Dispose();
        _orphans.Dispose();
    }

    private async Task<SpawnerChannel> RunningAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _channel) is { IsEnded: false } running)
        {
            return running;
        }

        string path = _options.EffectiveSpawnerPath;
        if (!File.Exists(path))
        {
            _logger.LauncherMissing(path);
            throw new LauncherException($"cannot log on: {path} does not exist (it is built with src/launcher)");
        }

        await _startGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_channel is { IsEnded: false } c)
            {
                return c;
            }

            ObjectDisposedException.ThrowIf(_disposed, this);

            string socketPath = Path.Combine(_options.StateDirectory, $"spawner-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.sock");
            _lastStart = Stopwatch.GetTimestamp();
            try
            {
                c = await SpawnerChannel.StartAsync(path, socketPath, _launcherCommand(), _options.StartTimeout, _logger, ct).ConfigureAwait(false);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new LauncherException($"cannot start {path}: {e.Message}", e);
            }

            _logger.SpawnerStarted(c.Pid, Stopwatch.GetElapsedTime(_lastStart).TotalMilliseconds);
            Volatile.Write(ref _channel, c);
            _ = SuperviseAsync(c);
            return c;
        }
        catch (LauncherException e)
        {
            _logger.LauncherFailedToStart(_options.EffectiveSpawnerPath, e.Message);
            throw;
        }
        finally
        {
            _startGate.Release();
        }
    }

    private async Task SuperviseAsync(SpawnerChannel channel)
    {
        string reason = await channel.Ended.ConfigureAwait(false);
        _orphans.Adopt(channel.TakeLaunchers());
        if (_disposed)
        {
            return;
        }

        if (_stopping)
        {
            _logger.SpawnerEndedAtShutdown(channel.Pid, reason);
            return;
        }

        _logger.SpawnerEnded(channel.Pid, reason);
        var sinceStart = Stopwatch.GetElapsedTime(_lastStart);
        if (sinceStart < RestartPause)
        {
            await Task.Delay(RestartPause - sinceStart).ConfigureAwait(false);
        }

        try
        {
            if (!_disposed && !_stopping)
            {
                await RunningAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is LauncherException or ObjectDisposedException)
        {
            // Logged where it failed; the next launch tries again.
        }
    }
}
