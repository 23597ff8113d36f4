using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SessionManager.Sessions.Launcher;

/// <summary>
/// Starts sm-launchers (one per logon attempt, kept as the session's supervisor) through the
/// daemon's one sm-spawner, keeps a few started ahead of need (Launcher:PoolSize), connects to
/// them, or reconnects to one that a previous daemon started.
/// </summary>
public sealed class SessionLauncher : IDisposable
{
    private readonly LauncherOptions _options;
    private readonly AuthOptions _auth;
    private readonly ILogger<SessionLauncher> _logger;
    private readonly SemaphoreSlim _authSlots;
    private readonly LauncherSpawner _spawner;
    private readonly LauncherPool _pool;

    /// <param name="lifetime">The host's, when there is one: once it stops, a spawner that ends is not started again.</param>
    public SessionLauncher(IOptions<LauncherOptions> options, IOptions<AuthOptions> auth, ILogger<SessionLauncher> logger, IHostApplicationLifetime? lifetime = null)
    {
        _options = options.Value;
        _auth = auth.Value;
        _logger = logger;
        _authSlots = new SemaphoreSlim(_auth.MaxConcurrent, _auth.MaxConcurrent);
        _spawner = new LauncherSpawner(_options, () => [.. CommandPrefix, _options.EffectivePath], logger);
        _pool = new LauncherPool(_options.PoolSize, LaunchAsync, logger);
        lifetime?.ApplicationStopping.Register(_spawner.StopRestarting);
    }

    /// <summary>Tests only: a command the launcher runs under (e.g. valgrind and its options).</summary>
    internal IReadOnlyList<string> CommandPrefix { get; init; } = [];

    /// <summary>Tests: the spawner's pid (0 if none runs) and the idle launchers of the pool.</summary>
    internal int SpawnerPid => _spawner.Pid;

    internal int IdleLaunchers => _pool.IdleCount;

    /// <summary>smctl status: the pool's configured size and its idle launchers now.</summary>
    public (int Size, int Idle) PoolState => (_options.PoolSize, _pool.IdleCount);

    /// <summary>
    /// For a logon: waits for one of the Auth:MaxConcurrent slots first, then takes an idle
    /// launcher from the pool (or starts one if none is idle) holding it (released after its
    /// authentication). So at most that many launchers authenticate at once, and a storm of
    /// logons waits in one queue, not as a crowd of idle launchers.
    /// </summary>
    public async Task<LauncherConnection> LaunchForLogonAsync(CancellationToken ct = default)
    {
        long queuedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        await _authSlots.WaitAsync(ct).ConfigureAwait(false);
        long slotAt = System.Diagnostics.Stopwatch.GetTimestamp();
        double slotWaitMs = System.Diagnostics.Stopwatch.GetElapsedTime(queuedAt, slotAt).TotalMilliseconds;
        try
        {
            var connection = await TakeOrLaunchAsync(ct).ConfigureAwait(false);
            connection.HoldAuthSlot(slotWaitMs);
            return connection;
        }
        catch
        {
            _authSlots.Release();
            throw;
        }
    }

    /// <summary>An idle launcher of the pool, or a new one if none is idle.</summary>
    public async Task<LauncherConnection> TakeOrLaunchAsync(CancellationToken ct = default)
    {
        long startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        var connection = _pool.TryTake();
        bool fromPool = connection is not null;
        connection ??= await LaunchAsync(ct).ConfigureAwait(false);
        _logger.LauncherAssigned(connection.LauncherPid, System.Diagnostics.Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds, fromPool);
        return connection;
    }

    /// <summary>At daemon start: the spawner is started, so the first logon does not wait for it.
    /// Quietly nothing if the launcher is not built (logons say so).</summary>
    public async Task WarmUpAsync(CancellationToken ct)
    {
        if (!File.Exists(_options.EffectivePath) || !File.Exists(_options.EffectiveSpawnerPath))
        {
            return;
        }

        try
        {
            EnsureStateDirectory();
            await _spawner.StartAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LauncherException or IOException or UnauthorizedAccessException)
        {
            // logged by the spawner; the first logon tries again
        }
    }

    /// <summary>Starts a launcher and connects to it. Throws <see cref="LauncherException"/> if the
    /// launcher is missing or does not come up within Launcher:StartTimeout.</summary>
    public async Task<LauncherConnection> LaunchAsync(CancellationToken ct = default)
    {
        string path = _options.EffectivePath;
        if (!File.Exists(path))
        {
            _logger.LauncherMissing(path);
            throw new LauncherException($"cannot log on: the launcher {path} does not exist (it is built with src/launcher, which needs gcc and libpam0g-dev)");
        }

        EnsureStateDirectory();
        string socketPath = Path.Combine(_options.StateDirectory, $"launcher-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}.sock");
        using var startDeadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        startDeadline.CancelAfter(_options.StartTimeout);
        long queuedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        SpawnedLauncher launcher;
        try
        {
            launcher = await _spawner.SpawnAsync(socketPath, startDeadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            _logger.LauncherFailedToStart(path, "sm-spawner did not answer within Launcher:StartTimeout");
            throw new LauncherException($"the launcher did not start within {_options.StartTimeout:c}");
        }

        long spawnedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            try
            {
                await launcher.WaitUntilListeningAsync(startDeadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new LauncherException($"the launcher did not start listening within {_options.StartTimeout:c}");
            }

            var socket = await ConnectAsync(socketPath, ct).ConfigureAwait(false);
            _logger.LauncherStarted(launcher.Pid, socketPath, System.Diagnostics.Stopwatch.GetElapsedTime(spawnedAt).TotalMilliseconds,
                System.Diagnostics.Stopwatch.GetElapsedTime(queuedAt, spawnedAt).TotalMilliseconds);
            return new LauncherConnection(socket, socketPath, launcher.Pid, launcher, _authSlots, _auth, _logger);
        }
        catch (Exception e)
        {
            launcher.Kill();
            if (e is LauncherException)
            {
                _logger.LauncherFailedToStart(path, e.Message);
            }

            throw;
        }
    }

    /// <summary>Opens a new control connection to a running launcher (e.g. after a daemon restart);
    /// the launcher must run as this daemon's uid.</summary>
    public async Task<LauncherConnection> ReconnectAsync(string socketPath, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        var socket = await ConnectAsync(socketPath, ct).ConfigureAwait(false);
        var (pid, uid) = LauncherNative.PeerCredentials(socket);
        if (uid != LauncherNative.EffectiveUid)
        {
            socket.Dispose();
            throw new LauncherException($"{socketPath} belongs to uid {uid}, not to a launcher of ours");
        }

        _logger.Reconnected(pid, socketPath);
        return new LauncherConnection(socket, socketPath, pid, null, _authSlots, _auth, _logger);
    }

    /// <summary>Idle launchers of the pool end (their connections close), and so does the spawner;
    /// launchers with sessions go on.</summary>
    public void Dispose()
    {
        _pool.Dispose();
        _spawner.Dispose();
        _authSlots.Dispose();
    }

    private static async Task<Socket> ConnectAsync(string socketPath, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new LauncherException($"cannot connect to the launcher at {socketPath}: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Root-only: the sockets in it accept anyone who can reach them (the launcher checks the
    /// peer's uid too, and refuses a directory open to others).</summary>
    private void EnsureStateDirectory()
    {
        var dir = new DirectoryInfo(_options.StateDirectory);
        if (!dir.Exists)
        {
            Directory.CreateDirectory(dir.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static string Ms(TimeSpan t) => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}
