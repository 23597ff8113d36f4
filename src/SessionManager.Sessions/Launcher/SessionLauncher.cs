using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SessionManager.Sessions.Launcher;

/// <summary>
/// Starts sm-launcher processes (one per logon attempt, kept as the session's supervisor) and
/// connects to them, or reconnects to one that a previous daemon started.
/// </summary>
public sealed class SessionLauncher : IDisposable
{
    private readonly LauncherOptions _options;
    private readonly AuthOptions _auth;
    private readonly ILogger<SessionLauncher> _logger;
    private readonly SemaphoreSlim _authSlots;

    public SessionLauncher(IOptions<LauncherOptions> options, IOptions<AuthOptions> auth, ILogger<SessionLauncher> logger)
    {
        _options = options.Value;
        _auth = auth.Value;
        _logger = logger;
        _authSlots = new SemaphoreSlim(_auth.MaxConcurrent, _auth.MaxConcurrent);
    }

    // Process.Start is serialised by the runtime (one fork/exec at a time). Logons queue here
    // asynchronously instead of blocking a pool thread each on that lock: in a storm of 200
    // logons the blocked threads starved everything else in the daemon.
    private readonly SemaphoreSlim _spawnSlots = new(1, 1);

    /// <summary>
    /// For a logon: waits for one of the Auth:MaxConcurrent slots first, then starts a launcher
    /// holding it (released after its authentication). So at most that many launchers are
    /// starting or authenticating at once, and a storm of logons waits in one queue, not as a
    /// crowd of idle launchers.
    /// </summary>
    public async Task<LauncherConnection> LaunchForLogonAsync(CancellationToken ct = default)
    {
        long queuedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        await _authSlots.WaitAsync(ct).ConfigureAwait(false);
        double slotWaitMs = System.Diagnostics.Stopwatch.GetElapsedTime(queuedAt).TotalMilliseconds;
        try
        {
            var connection = await LaunchAsync(ct).ConfigureAwait(false);
            connection.HoldAuthSlot(slotWaitMs);
            return connection;
        }
        catch
        {
            _authSlots.Release();
            throw;
        }
    }

    /// <summary>Tests only: a command the launcher runs under (e.g. valgrind and its options).</summary>
    internal IReadOnlyList<string> CommandPrefix { get; init; } = [];

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
        var command = new List<string>(CommandPrefix)
        {
            path, "--socket", socketPath,
            "--connect-deadline-ms", Ms(_options.ConnectDeadline),
            "--stop-timeout-ms", Ms(_options.StopTimeout),
        };

        long queuedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        await _spawnSlots.WaitAsync(ct).ConfigureAwait(false);
        long spawnedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        LauncherProcess process;
        try
        {
            process = LauncherProcess.Start(command, _logger);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            _logger.LauncherFailedToStart(path, e.Message);
            throw new LauncherException($"cannot start the launcher {path}: {e.Message}", e);
        }
        finally
        {
            _spawnSlots.Release();
        }

        try
        {
            using var startDeadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            startDeadline.CancelAfter(_options.StartTimeout);
            try
            {
                await process.WaitUntilListeningAsync(startDeadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new LauncherException($"the launcher did not start listening within {_options.StartTimeout:c}");
            }

            var socket = await ConnectAsync(socketPath, ct).ConfigureAwait(false);
            _logger.LauncherStarted(process.Pid, socketPath, System.Diagnostics.Stopwatch.GetElapsedTime(spawnedAt).TotalMilliseconds,
                System.Diagnostics.Stopwatch.GetElapsedTime(queuedAt, spawnedAt).TotalMilliseconds);
            return new LauncherConnection(socket, socketPath, process.Pid, process, _authSlots, _auth, _logger);
        }
        catch (Exception e)
        {
            process.Kill();
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

    public void Dispose()
    {
        _authSlots.Dispose();
        _spawnSlots.Dispose();
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
