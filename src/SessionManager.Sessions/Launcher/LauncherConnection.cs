using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace SessionManager.Sessions.Launcher;

/// <summary>
/// The control connection to one sm-launcher, i.e. one logon attempt and, if it becomes a
/// session, its backend. Requests go one at a time (the protocol has no tags: each request gets
/// the next reply), so a request abandoned by its caller poisons the connection, which is then
/// closed. EXITED arrives on its own and completes <see cref="Exited"/>.
/// Disposing closes only the connection: a running backend goes on, and
/// <see cref="SessionLauncher.ReconnectAsync"/> can reach it again.
/// </summary>
public sealed class LauncherConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly SpawnedLauncher? _process;
    private readonly SemaphoreSlim _authSlots;
    private readonly AuthOptions _auth;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _oneRequest = new(1, 1);
    private readonly TaskCompletionSource<BackendExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly Task _readLoop;
    private TaskCompletionSource<(LauncherMessageType Type, string[] Fields)>? _pendingReply;
    private string? _closedReason;
    private int _slotHeld;
    private double _heldSlotWaitMs;

    internal LauncherConnection(Socket socket, string socketPath, int launcherPid, SpawnedLauncher? process,
        SemaphoreSlim authSlots, AuthOptions auth, ILogger logger)
    {
        _socket = socket;
        SocketPath = socketPath;
        LauncherPid = launcherPid;
        _process = process;
        _authSlots = authSlots;
        _auth = auth;
        _logger = logger;
        // Observed here so that a connection lost before any EXITED is no unobserved exception.
        _ = _exited.Task.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        _readLoop = ReadLoopAsync();
    }

    /// <summary>The launcher's control socket: what <see cref="SessionLauncher.ReconnectAsync"/> takes.</summary>
    public string SocketPath { get; }

    public int LauncherPid { get; }

    /// <summary>Completes when the launcher reports that the backend ended (the PAM session is
    /// closed by then); faults with <see cref="LauncherException"/> if the connection ends first.</summary>
    public Task<BackendExit> Exited => _exited.Task;

    /// <summary>The launcher process's exit code, when this daemon started it (null after a reconnect);
    /// -1 when it ended while sm-spawner, which reaps it, was not running.</summary>
    internal Task<int>? LauncherExit => _process?.Exit;

    /// <summary>The connection has ended (e.g. an idle launcher of the pool died).</summary>
    internal bool IsClosed
    {
        get
        {
            lock (_gate)
            {
                return _closedReason is not null;
            }
        }
    }

    /// <summary>SIGTERM to the launcher, if this daemon started it and it runs: it stops its
    /// backend and ends (a launcher whose connection broke would wait for a reconnect).</summary>
    internal void TerminateLauncher() => _process?.Terminate();

    /// <summary>Closes the connection without waiting for its read loop (synchronous disposal of
    /// the pool): an idle launcher ends when its connection closes.</summary>
    internal void Abandon() => Close(null);

    /// <summary>
    /// PAM authentication and account check of <paramref name="user"/> under Auth:PamService. At
    /// most Auth:MaxConcurrent run at once: waiting for a slot is bounded by
    /// <paramref name="ct"/> (the caller's own deadline), PAM itself by Auth:Timeout, after which
    /// the launcher is killed. Throws <see cref="AuthenticationFailedException"/> with PAM's text.
    /// </summary>
    public async Task<AuthenticatedAccount> AuthenticateAsync(string user, string password, string rhost, string? tty = null, CancellationToken ct = default)
    {
        CheckField(user, nameof(user), MaxUserLength, allowEmpty: false);
        CheckField(password, nameof(password), MaxPasswordLength, allowEmpty: true);
        CheckField(rhost, nameof(rhost), 1024, allowEmpty: true);
        CheckField(tty ?? "", nameof(tty), 255, allowEmpty: true);
        // A launcher started for a logon already holds its slot (SessionLauncher.LaunchForLogonAsync).
        bool held = Interlocked.Exchange(ref _slotHeld, 0) == 1;
        long queuedAt = Stopwatch.GetTimestamp();
        if (!held)
        {
            await _authSlots.WaitAsync(ct).ConfigureAwait(false);
        }

        long slotAt = Stopwatch.GetTimestamp();
        double slotWaitMs = held ? _heldSlotWaitMs : Stopwatch.GetElapsedTime(queuedAt, slotAt).TotalMilliseconds;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_auth.Timeout);
            (LauncherMessageType Type, string[] Fields) reply;
            try
            {
                reply = await RequestAsync(LauncherMessageType.Authenticate, [_auth.PamService, user, password, rhost, tty ?? ""], timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                string seconds = _auth.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
                _process?.Kill();
                DeleteSocketFile();
                _logger.AuthenticationTimedOut(user, rhost, seconds, LauncherPid);
                throw new AuthenticationFailedException($"authentication timed out after {seconds} s");
            }
            catch (OperationCanceledException)
            {
                _process?.Kill(); // the caller gave up: so does PAM
                DeleteSocketFile();
                throw;
            }

            _logger.AuthenticationTimed(user, Stopwatch.GetElapsedTime(slotAt).TotalMilliseconds, slotWaitMs, LauncherPid);
            if (reply.Type == LauncherMessageType.Failed)
            {
                string reason = Field(reply.Fields, 0);
                _logger.AuthenticationFailed(user, rhost, reason);
                throw new AuthenticationFailedException(reason);
            }

            Expect(reply, LauncherMessageType.AuthOk, 6);
            int ngroups = ParseInt(reply.Fields[5], 0, 65536);
            if (reply.Fields.Length != 6 + ngroups)
            {
                throw Malformed(reply.Type);
            }

            var account = new AuthenticatedAccount(reply.Fields[0], ParseUInt(reply.Fields[1]), ParseUInt(reply.Fields[2]),
                reply.Fields[3], reply.Fields[4], [.. reply.Fields.Skip(6).Select(ParseUInt)]);
            _logger.Authenticated(user, account.UserName, account.Uid, rhost);
            return account;
        }
        finally
        {
            _authSlots.Release();
        }
    }

    /// <summary>Starts the backend: for <see cref="BackendIdentity.AuthenticatedUser"/> after opening
    /// the PAM session; for a fixed account without PAM. Throws <see cref="LauncherException"/> with
    /// the launcher's reason (e.g. "program not found: /x"); the launcher then ends.</summary>
    public async Task<BackendStarted> StartBackendAsync(BackendSpec spec, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Arguments.Count == 0 || spec.Arguments[0].Length == 0)
        {
            throw new ArgumentException("a backend needs a program", nameof(spec));
        }

        var fields = new List<string>();
        switch (spec.RunAs)
        {
            case AuthenticatedUserIdentity:
                fields.Add("");
                fields.Add("1");
                break;
            case FixedAccountIdentity f:
                CheckField(f.Name, "RunAs", 255, allowEmpty: false);
                if (f.Name == "root" && !f.AllowRoot)
                {
                    throw new ArgumentException("a backend runs as root only when configured to (allowRoot)", nameof(spec));
                }

                fields.Add(f.Name);
                fields.Add("0");
                break;
            default:
                throw new ArgumentException("unknown identity", nameof(spec));
        }

        fields.Add(spec.WorkingDirectory ?? "");
        fields.Add(spec.Arguments.Count.ToString(CultureInfo.InvariantCulture));
        fields.AddRange(spec.Arguments);
        fields.Add(spec.Environment.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var (name, value) in spec.Environment)
        {
            if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal))
            {
                throw new ArgumentException($"bad environment variable name '{name}'", nameof(spec));
            }

            fields.Add($"{name}={value}");
        }

        (LauncherMessageType Type, string[] Fields) reply;
        try
        {
            reply = await RequestAsync(LauncherMessageType.Start, fields, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The caller gave up (e.g. Sessions:LogonBudget) while the backend may be starting.
            // The closed connection looks like a daemon restart to the launcher, which would keep
            // the backend for a reconnect that never comes: SIGTERM makes it stop the backend and end.
            _process?.Terminate();
            throw;
        }
        catch (LauncherException)
        {
            // The connection broke between START and STARTED. A launcher still alive would keep
            // whatever it started for a reconnect that never comes: SIGTERM stops it and ends it.
            _process?.Terminate();
            throw;
        }

        if (reply.Type == LauncherMessageType.Failed)
        {
            string reason = Field(reply.Fields, 0);
            _logger.BackendStartFailed(spec.Arguments[0], reason);
            throw new LauncherException(reason);
        }

        try
        {
            return ParseStarted(spec, reply);
        }
        catch (LauncherException e)
        {
            // Garbage instead of STARTED: nothing it says can be trusted, and a backend may run.
            _process?.Terminate();
            Close($"bad answer to START: {e.Message}");
            throw;
        }
    }

    private BackendStarted ParseStarted(BackendSpec spec, (LauncherMessageType Type, string[] Fields) reply)
    {
        Expect(reply, LauncherMessageType.Started, 3);
        int nenv = ParseInt(reply.Fields[2], 0, 65536);
        if (reply.Fields.Length != 3 + nenv)
        {
            throw Malformed(reply.Type);
        }

        var pamEnv = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in reply.Fields.Skip(3))
        {
            int eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                pamEnv[entry[..eq]] = entry[(eq + 1)..];
            }
        }

        var started = new BackendStarted(ParseInt(reply.Fields[0], 2, int.MaxValue), ParseInt(reply.Fields[1], 2, int.MaxValue), pamEnv);
        _logger.BackendStarted(spec.Arguments[0], spec.RunAs is FixedAccountIdentity fa ? fa.Name : "(authenticated user)", started.Pid, LauncherPid);
        return started;
    }

    /// <summary>SIGTERM to the backend's process group, SIGKILL after <paramref name="timeout"/>;
    /// returns once the launcher accepted it. The end is reported by <see cref="Exited"/>.</summary>
    public async Task StopAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        if (timeout < TimeSpan.Zero || timeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "must be 0 to 1 hour");
        }

        _logger.StopRequested(LauncherPid, timeout);
        var reply = await RequestAsync(LauncherMessageType.Stop, [((long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)], ct).ConfigureAwait(false);
        ThrowIfFailed(reply);
        Expect(reply, LauncherMessageType.Done, 0);
    }

    /// <summary>Authenticated but no new session needed (e.g. a reconnect): PAM ends without a
    /// session, and the launcher exits.</summary>
    public async Task DiscardAsync(CancellationToken ct = default)
    {
        var reply = await RequestAsync(LauncherMessageType.Discard, [], ct).ConfigureAwait(false);
        ThrowIfFailed(reply);
        Expect(reply, LauncherMessageType.Done, 0);
    }

    public async Task<LauncherStatus> GetStatusAsync(CancellationToken ct = default)
    {
        var reply = await RequestAsync(LauncherMessageType.Status, [], ct).ConfigureAwait(false);
        ThrowIfFailed(reply);
        Expect(reply, LauncherMessageType.StatusReply, 6);
        int code = ParseInt(reply.Fields[4], -1, 255), signal = ParseInt(reply.Fields[5], 0, 128);
        BackendExit? exit = reply.Fields[0] == "exited" ? new BackendExit(code >= 0 ? code : null, signal > 0 ? signal : null) : null;
        return new LauncherStatus(reply.Fields[0], reply.Fields[1], ParseInt(reply.Fields[2], 0, int.MaxValue), ParseInt(reply.Fields[3], 0, int.MaxValue), exit);
    }

    /// <summary>This launcher was started holding an Auth:MaxConcurrent slot, which its authentication (or its end) releases.</summary>
    internal void HoldAuthSlot(double slotWaitMs)
    {
        _heldSlotWaitMs = slotWaitMs;
        Volatile.Write(ref _slotHeld, 1);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _slotHeld, 0) == 1)
        {
            _authSlots.Release();
        }

        Close(null);
        await _readLoop.ConfigureAwait(false);

        // _oneRequest is not disposed: a StopAsync racing the end (the backend just exited)
        // must get "connection closed", not ObjectDisposedException.
    }

    private async Task<(LauncherMessageType Type, string[] Fields)> RequestAsync(LauncherMessageType type, IReadOnlyList<string> fields, CancellationToken ct)
    {
        await _oneRequest.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var reply = new TaskCompletionSource<(LauncherMessageType, string[])>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_closedReason is { } reason)
                {
                    throw new LauncherException($"launcher connection closed: {reason}");
                }

                _pendingReply = reply;
            }

            var (buffer, length) = LauncherFrameCodec.Encode(type, fields);
            try
            {
                await _socket.SendAsync(buffer.AsMemory(0, length), SocketFlags.None, ct).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                Close($"send failed: {e.Message}");
            }
            finally
            {
                LauncherFrameCodec.Release(buffer, length); // it may hold a password
            }

            try
            {
                return await reply.Task.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Close("a request was abandoned"); // its late reply would answer the next request
                throw;
            }
        }
        catch (OperationCanceledException)
        {
            Close("a request was abandoned");
            throw;
        }
        finally
        {
            _oneRequest.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        var header = new byte[4];
        string reason;
        try
        {
            while (true)
            {
                var (decoded, endReason) = await LauncherFrameCodec.ReadAsync(_socket, header).ConfigureAwait(false);
                if (decoded is not { } message)
                {
                    reason = endReason == "the peer closed the connection" ? "the launcher closed the connection" : endReason!;
                    break;
                }

                if (message.Type == LauncherMessageType.Exited)
                {
                    OnExited(message.Fields);
                    continue;
                }

                TaskCompletionSource<(LauncherMessageType, string[])>? pending;
                lock (_gate)
                {
                    pending = _pendingReply;
                    _pendingReply = null;
                }

                if (pending is null)
                {
                    reason = $"unsolicited message type {(byte)message.Type}";
                    break;
                }

                pending.TrySetResult(message);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            reason = e.Message;
        }

        Close(reason);
    }

    private void OnExited(string[] fields)
    {
        if (fields.Length != 2 || !int.TryParse(fields[0], CultureInfo.InvariantCulture, out int code) || !int.TryParse(fields[1], CultureInfo.InvariantCulture, out int signal))
        {
            Close("malformed EXITED");
            return;
        }

        var exit = new BackendExit(code >= 0 ? code : null, signal > 0 ? signal : null);
        _logger.BackendExited(LauncherPid, exit);
        _exited.TrySetResult(exit);
    }

    /// <summary>Ends the connection once; <paramref name="reason"/> null: closed by us, not logged.</summary>
    private void Close(string? reason)
    {
        TaskCompletionSource<(LauncherMessageType, string[])>? pending;
        lock (_gate)
        {
            if (_closedReason is not null)
            {
                return;
            }

            _closedReason = reason ?? "closed by the daemon";
            pending = _pendingReply;
            _pendingReply = null;
        }

        if (reason is not null && !_exited.Task.IsCompleted)
        {
            _logger.ConnectionLost(LauncherPid, reason);
        }

        var lost = new LauncherException($"launcher connection closed: {_closedReason}");
        pending?.TrySetException(lost);
        _exited.TrySetException(lost);
        _socket.Dispose();
    }

    /// <summary>A killed launcher cannot remove its socket file.</summary>
    private void DeleteSocketFile()
    {
        try
        {
            File.Delete(SocketPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // nothing to do: the next launcher gets a fresh random name
        }
    }

    /// <summary>Whether <see cref="AuthenticateAsync"/> can pass these to PAM at all.</summary>
    internal static bool IsAcceptableCredential(string user, string password) =>
        user.Length is > 0 and <= MaxUserLength && password.Length <= MaxPasswordLength
        && !user.Contains('\0', StringComparison.Ordinal) && !password.Contains('\0', StringComparison.Ordinal);

    private const int MaxUserLength = 255;

    private const int MaxPasswordLength = 1024;

    private static void CheckField(string value, string name, int maxLength, bool allowEmpty)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if ((!allowEmpty && value.Length == 0) || value.Length > maxLength || value.Contains('\0', StringComparison.Ordinal))
        {
            // The value itself is not in the message: it may be a password.
            throw new ArgumentException($"{name} must be {(allowEmpty ? 0 : 1)}-{maxLength} characters without NUL", name);
        }
    }

    private static void ThrowIfFailed((LauncherMessageType Type, string[] Fields) reply)
    {
        if (reply.Type == LauncherMessageType.Failed)
        {
            throw new LauncherException(Field(reply.Fields, 0));
        }
    }

    private static void Expect((LauncherMessageType Type, string[] Fields) reply, LauncherMessageType type, int minFields)
    {
        if (reply.Type != type || reply.Fields.Length < minFields)
        {
            throw Malformed(reply.Type);
        }
    }

    private static LauncherException Malformed(LauncherMessageType type) => new($"unexpected or malformed launcher reply (type {(byte)type})");

    private static string Field(string[] fields, int i) => i < fields.Length ? fields[i] : "";

    private static int ParseInt(string s, int min, int max) =>
        int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) && v >= min && v <= max
            ? v
            : throw new LauncherException($"launcher sent a number out of range: '{s}'");

    private static uint ParseUInt(string s) =>
        uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out uint v) ? v : throw new LauncherException($"launcher sent a bad id: '{s}'");
}
