using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Handlers;
using SessionManager.Icp.Link;
using SessionManager.Icp.Logging;

namespace SessionManager.Icp.Hosting;

/// <summary>
/// Listens on the ICP Unix socket and serves exactly one RDS connection at a time. The socket
/// is bound in <see cref="StartAsync"/>, so "host started" means "RDS server can connect".
/// </summary>
public sealed class IcpListener : BackgroundService
{
    // Start-time values (socket path and mode: a restart changes them); a new connection takes
    // its timeouts and limits, and the peer check its AllowedUids, from _current (reloads).
    private readonly IcpOptions _options;
    private readonly IOptionsMonitor<IcpOptions> _current;
    private readonly RdsLink _link;
    private readonly IcpRequestDispatcher _dispatcher;
    private readonly TimeProvider _time;
    private readonly ILogger<IcpListener> _logger;
    private readonly ILogger<IcpConnection> _connectionLogger;
    private Socket? _listener;
    private Task? _serving;

    private readonly IcpLogLimits _logLimits;
    private readonly IcpMetrics? _metrics;

    public IcpListener(IOptions<IcpOptions> options, IOptionsMonitor<IcpOptions> current, RdsLink link, IcpRequestDispatcher dispatcher, TimeProvider time, IcpLogLimits logLimits, ILoggerFactory loggers, IcpMetrics? metrics = null)
    {
        _metrics = metrics;
        _logLimits = logLimits;
        _options = options.Value;
        _current = current;
        _link = link;
        _dispatcher = dispatcher;
        _time = time;
        _logger = loggers.CreateLogger<IcpListener>();
        _connectionLogger = loggers.CreateLogger<IcpConnection>();
    }

    /// <summary>The accept loop, for the systemd watchdog.</summary>
    public LoopActivity AcceptActivity { get; } = new("ICP accept loop");

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = UnixSocketBinder.Bind(_options, _logger);
        if (_options.EffectiveAllowedUids.Count == 0)
        {
            _logger.AnyUidAllowed();
        }

        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        AcceptLoop.RunAsync(_listener!, Accept, ex => _logger.AcceptFailed(ex), ex => _logger.AcceptCallbackFailed(ex), AcceptActivity, stoppingToken);

    private void Accept(Socket socket)
    {
        var peer = PeerCredentials.Of(socket);
        var options = _current.CurrentValue;
        if (options.EffectiveAllowedUids.Count > 0 && !options.EffectiveAllowedUids.Contains(peer.Uid))
        {
            // Before anything is read from it: an unknown local user is not an RDS server.
            if (_logLimits.ConnectionRefused.ShouldLog())
            {
                _logger.PeerUidRefused(peer, peer.Uid);
            }

            socket.Dispose();
            return;
        }

        var connection = new IcpConnection(new NetworkStream(socket, ownsSocket: true), peer, options, _dispatcher, _connectionLogger, _time, _link, _logLimits, _metrics);
        if (!_link.TryClaim(connection, out var holder))
        {
            // The live connection is not disturbed; the newcomer is closed at once.
            if (_logLimits.ConnectionRefused.ShouldLog())
            {
                _logger.SecondConnectionRejected(peer, holder?.Peer ?? PeerCredentials.Unknown);
            }

            connection.Refuse(new IcpPeerRefusedException("another RDS server is connected"));
            return;
        }

        connection.Start();
        _serving = ServeAsync(connection);
    }

    private static async Task ServeAsync(IcpConnection connection)
    {
        await connection.Completion;
        await connection.DisposeAsync();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stop accepting first (the loop sees the cancellation before the listener closes), so
        // no new RDS connection races the shutdown and no accept error is logged for it.
        await base.StopAsync(cancellationToken);
        _listener?.Dispose();

        _link.Holder?.Abort(new OperationCanceledException("session manager is shutting down"));
        if (_serving is { } serving)
        {
            await serving.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        if (_listener is not null)
        {
            UnixSocketBinder.Remove(_options.SocketPath, _logger);
        }
    }
}
