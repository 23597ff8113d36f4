using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace SessionManager.Sessions.Launcher;

/// <summary>
/// The connection to one running sm-spawner (src/launcher/sm-spawner.c): SPAWN requests, matched
/// to their SPAWNED / SPAWN_FAILED replies by id, and the events of the launchers it started
/// (READY, their stderr lines, their ends). One channel per spawner process; when it ends, every
/// request waiting fails and <see cref="Ended"/> completes with the reason.
/// </summary>
internal sealed class SpawnerChannel : IDisposable
{
    private const string LauncherPrefix = "sm-launcher: ";

    private readonly Socket _socket;
    private readonly SpawnerProcess _process;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Dictionary<long, TaskCompletionSource<SpawnedLauncher>> _pending = [];
    private readonly Dictionary<int, SpawnedLauncher> _launchers = [];
    private readonly TaskCompletionSource<string> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextId;
    private string? _endReason;

    private SpawnerChannel(Socket socket, SpawnerProcess process, ILogger logger)
    {
        _socket = socket;
        _process = process;
        _logger = logger;
        _ = ReadLoopAsync();
    }

    public int Pid => _process.Pid;

    public bool IsEnded => _ended.Task.IsCompleted;

    /// <summary>Completes with the reason once the spawner is gone or its connection broke.</summary>
    public Task<string> Ended => _ended.Task;

    /// <summary>Starts sm-spawner with its socket at <paramref name="socketPath"/> and connects to
    /// it; the peer must be that very process (SO_PEERCRED pid) with our uid.</summary>
    public static async Task<SpawnerChannel> StartAsync(string spawnerPath, string socketPath, IReadOnlyList<string> launcherCommand,
        TimeSpan startTimeout, ILogger logger, CancellationToken ct)
    {
        var process = SpawnerProcess.Start([spawnerPath, "--socket", socketPath, "--", .. launcherCommand], logger);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(startTimeout);
            try
            {
                await process.WaitUntilListeningAsync(deadline.Token).ConfigureAwait(false);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new LauncherException($"sm-spawner did not start listening within {startTimeout:c}");
            }
            catch (SocketException e)
            {
                throw new LauncherException($"cannot connect to sm-spawner at {socketPath}: {e.Message}", e);
            }

            var (pid, uid) = LauncherNative.PeerCredentials(socket);
            if (pid != process.Pid || uid != LauncherNative.EffectiveUid)
            {
                throw new LauncherException($"{socketPath} is served by pid {pid} uid {uid}, not by the sm-spawner just started");
            }

            return new SpawnerChannel(socket, process, logger);
        }
        catch
        {
            socket.Dispose();
            process.Kill();
            throw;
        }
    }

    /// <summary>
    /// Has the spawner fork and exec a launcher listening on <paramref name="socketPath"/>; returns
    /// once it runs (not yet listening: <see cref="SpawnedLauncher.WaitUntilListeningAsync"/>).
    /// A launcher whose caller gave up meanwhile is killed when its SPAWNED arrives.
    /// </summary>
    public async Task<SpawnedLauncher> SpawnAsync(string socketPath, TimeSpan connectDeadline, TimeSpan stopTimeout, string pamPriority, CancellationToken ct)
    {
        var spawned = new TaskCompletionSource<SpawnedLauncher>(TaskCreationOptions.RunContinuationsAsynchronously);
        long id;
        lock (_gate)
        {
            if (_endReason is { } reason)
            {
                throw new LauncherException($"sm-spawner ended: {reason}");
            }

            id = ++_nextId;
            _pending[id] = spawned;
        }

        var (buffer, length) = LauncherFrameCodec.Encode(LauncherMessageType.Spawn,
            [Text(id), socketPath, Text((long)connectDeadline.TotalMilliseconds), Text((long)stopTimeout.TotalMilliseconds), pamPriority]);
        try
        {
            // Not cancellable once begun: half a frame would break the channel for everyone.
            await _sendLock.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                await _socket.SendAsync(buffer.AsMemory(0, length), SocketFlags.None, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                End($"send failed: {e.Message}");
            }
            finally
            {
                _sendLock.Release();
            }

            return await spawned.Task.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            spawned.TrySetCanceled(ct);
            throw;
        }
        finally
        {
            LauncherFrameCodec.Release(buffer, length);
        }
    }

    /// <summary>After <see cref="Ended"/>: the launchers it started whose end it did not report.</summary>
    public IReadOnlyList<SpawnedLauncher> TakeLaunchers()
    {
        lock (_gate)
        {
            var left = _launchers.Values.ToList();
            _launchers.Clear();
            return left;
        }
    }

    /// <summary>Closes the connection: the spawner exits; its launchers stay. (The send lock is
    /// not disposed: a SpawnAsync racing this must fail with "sm-spawner ended", not ObjectDisposedException.)</summary>
    public void Dispose() => End("closed by the daemon");

    private async Task ReadLoopAsync()
    {
        var header = new byte[4];
        string reason;
        try
        {
            while (true)
            {
                var (message, endReason) = await LauncherFrameCodec.ReadAsync(_socket, header).ConfigureAwait(false);
                if (message is not { } m)
                {
                    reason = endReason!;
                    break;
                }

                if (!Dispatch(m.Type, m.Fields))
                {
                    reason = $"unexpected or malformed message type {(byte)m.Type}";
                    break;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            reason = e.Message;
        }

        End(reason);
    }

    private bool Dispatch(LauncherMessageType type, string[] f)
    {
        switch (type)
        {
            case LauncherMessageType.Spawned when f.Length == 2 && TryLong(f[0], out long id) && TryInt(f[1], out int pid) && pid > 1:
                var launcher = new SpawnedLauncher(pid);
                TaskCompletionSource<SpawnedLauncher>? waiter;
                lock (_gate)
                {
                    _launchers[pid] = launcher;
                    _pending.Remove(id, out waiter);
                }

                if (waiter is null || !waiter.TrySetResult(launcher))
                {
                    launcher.Kill(); // nobody wants it any more
                }

                return true;
            case LauncherMessageType.SpawnFailed when f.Length == 2 && TryLong(f[0], out long failedId):
                lock (_gate)
                {
                    _pending.Remove(failedId, out waiter);
                }

                waiter?.TrySetException(new LauncherException($"sm-spawner could not start the launcher: {f[1]}"));
                return true;
            case LauncherMessageType.Ready when f.Length == 1 && TryInt(f[0], out int readyPid):
                Find(readyPid)?.OnReady();
                return true;
            case LauncherMessageType.Log when f.Length == 2 && TryInt(f[0], out int logPid):
                string line = f[1].StartsWith(LauncherPrefix, StringComparison.Ordinal) ? f[1][LauncherPrefix.Length..] : f[1];
                _logger.LauncherSaid(logPid, line);
                Find(logPid)?.OnLine(line);
                return true;
            case LauncherMessageType.ChildExited when f.Length == 3 && TryInt(f[0], out int exitedPid) && TryInt(f[1], out int code) && TryInt(f[2], out int signal):
                SpawnedLauncher? exited;
                lock (_gate)
                {
                    _launchers.Remove(exitedPid, out exited);
                }

                exited?.OnExited(code >= 0 ? code : 128 + signal);
                return true;
            default:
                return false;
        }
    }

    private SpawnedLauncher? Find(int pid)
    {
        lock (_gate)
        {
            return _launchers.GetValueOrDefault(pid);
        }
    }

    private void End(string reason)
    {
        List<TaskCompletionSource<SpawnedLauncher>> waiting;
        List<SpawnedLauncher> starting;
        lock (_gate)
        {
            if (_endReason is not null)
            {
                return;
            }

            _endReason = reason;
            waiting = [.. _pending.Values];
            _pending.Clear();
            starting = [.. _launchers.Values];
        }

        var lost = new LauncherException($"sm-spawner ended: {reason}");
        foreach (var w in waiting)
        {
            w.TrySetException(lost);
        }

        foreach (var l in starting)
        {
            l.OnSpawnerLost($"sm-spawner ended: {reason}");
        }

        _socket.Dispose();
        _process.Kill();
        _ended.TrySetResult(reason);
    }

    private static string Text(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static bool TryLong(string s, out long v) => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v);

    private static bool TryInt(string s, out int v) => int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v);
}
