using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Handlers;
using SessionManager.Icp.Logging;

namespace SessionManager.Icp.Hosting;

/// <summary>
/// Listens on the ICP Unix socket and serves exactly one RDS connection at a time. The socket
/// is bound in <see cref="StartAsync"/>, so "host started" means "RDS server can connect".
/// </summary>
public sealed class IcpListener : BackgroundService
{
    private readonly IcpOptions _options;
    private readonly RdsClient _rds;
    private readonly IcpRequestDispatcher _dispatcher;
    private readonly ILogger<IcpListener> _logger;
    private readonly ILogger<IcpConnection> _connectionLogger;
    private Socket? _listener;
    private Task? _serving;

    public IcpListener(IOptions<IcpOptions> options, RdsClient rds, IcpRequestDispatcher dispatcher, ILoggerFactory loggers)
    {
        _options = options.Value;
        _rds = rds;
        _dispatcher = dispatcher;
        _logger = loggers.CreateLogger<IcpListener>();
        _connectionLogger = loggers.CreateLogger<IcpConnection>();
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = UnixSocketBinder.Bind(_options, _logger);
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        AcceptLoop.RunAsync(_listener!, Accept, ex => _logger.AcceptFailed(ex), stoppingToken);

    private void Accept(Socket socket)
    {
        var peer = PeerCredentials.Of(socket);
        var connection = new IcpConnection(new NetworkStream(socket, ownsSocket: true), peer, _options, _dispatcher, _connectionLogger);
        if (!_rds.TryAttach(connection))
        {
            // The live connection is not disturbed; the newcomer is closed at once.
            _logger.SecondConnectionRejected(peer, _rds.Current?.Peer ?? PeerCredentials.Unknown);
            socket.Dispose();
            return;
        }

        _logger.RdsConnected(peer);
        connection.Start();
        _serving = ServeAsync(connection);
    }

    private async Task ServeAsync(IcpConnection connection)
    {
        await connection.Completion;
        _rds.Detach(connection);
        await connection.DisposeAsync();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stop accepting first, so no new RDS connection races the shutdown.
        _listener?.Dispose();
        await base.StopAsync(cancellationToken);

        if (_rds.Current is { } live)
        {
            live.Abort(new OperationCanceledException("session manager is shutting down"));
        }

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
