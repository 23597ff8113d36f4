using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionManager.Control.Native;
using SessionManager.Control.Security;
using SessionManager.Control.Verbs;
using SessionManager.Icp.Hosting;

namespace SessionManager.Control.Hosting;

/// <summary>
/// smctl's socket. Bound in <see cref="StartAsync"/> with the ICP socket's safety rules (path,
/// directory ownership and mode, lock file, stale socket), then mode 0666: the kernel's
/// SO_PEERCRED, not the file mode, decides what a caller may do.
/// </summary>
internal sealed class ControlListener(IOptions<ControlOptions> options, ControlVerbs verbs, ILogger<ControlListener> logger) : BackgroundService
{
    /// <summary>Requests served at once; more are answered Busy at once (a local user cannot pile them up).</summary>
    internal const int MaxConcurrent = 16;

    private const UnixFileMode AnyoneMayConnect = (UnixFileMode)0b110_110_110;

    private readonly ControlOptions _options = options.Value;
    private readonly SemaphoreSlim _slots = new(MaxConcurrent, MaxConcurrent);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _runningSync = new();
    private readonly HashSet<Task> _running = [];
    private Socket? _listener;
    private uint? _adminGid;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = UnixSocketBinder.Bind(_options.SocketPath, AnyoneMayConnect, "0666", ControlOptionsValidator.SocketKey, logger);
        if (_options.AdminGroup.Length > 0)
        {
            _adminGid = SessionManager.Sessions.Native.Accounts.GidOf(_options.AdminGroup);
            if (_adminGid is null)
            {
                logger.AdminGroupMissing(_options.AdminGroup);
            }
        }

        logger.ControlListening(_options.SocketPath, _options.AdminGroup.Length > 0 ? _options.AdminGroup : "(none: root only)");
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        AcceptLoop.RunAsync(_listener!, Accept, ex => logger.ControlBadRequest(uint.MaxValue, -1, $"accept failed: {ex.Message}"),
            ex => logger.ControlBadRequest(uint.MaxValue, -1, $"accept callback failed: {ex.Message}"), stoppingToken);

    private void Accept(Socket socket)
    {
        var caller = ControlCaller.Of(socket, _adminGid);
        if (!_slots.Wait(0))
        {
            logger.ControlBusy(caller.Uid, caller.Pid, MaxConcurrent);
            _ = ControlExchange.RefuseBusyAsync(socket);
            return;
        }

        var exchange = new ControlExchange(socket, caller, verbs, logger);
        var task = RunAsync(exchange);
        lock (_runningSync)
        {
            if (!task.IsCompleted)
            {
                _running.Add(task);
            }
        }
    }

    private async Task RunAsync(ControlExchange exchange)
    {
        try
        {
            await exchange.RunAsync(_stopping.Token);
        }
        finally
        {
            _slots.Release();
            lock (_runningSync)
            {
                _running.RemoveWhere(t => t.IsCompleted);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        _listener?.Dispose();
        await _stopping.CancelAsync();
        Task[] running;
        lock (_runningSync)
        {
            running = [.. _running];
        }

        await Task.WhenAll(running).WaitAsync(cancellationToken).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (_listener is not null)
        {
            UnixSocketBinder.Remove(_options.SocketPath, logger);
        }
    }

    public override void Dispose()
    {
        _stopping.Dispose();
        _slots.Dispose();
        base.Dispose();
    }
}
