using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionManager.FdsApi.Handler;
using SessionManager.FdsApi.Logging;
using SessionManager.Icp;
using SessionManager.Icp.Hosting;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// The fdsapi TCP listener. Bound in <see cref="StartAsync"/> so a port in use fails start-up;
/// each client runs as its own tracked task. Thrift's own servers are not used: they serve one
/// transport/protocol per port, and this one tells each client's apart (see
/// <see cref="WireFormatSniffer"/>).
/// </summary>
public sealed class FdsApiServer : BackgroundService
{
    private readonly FdsApiOptions _options;
    private readonly FdsApiDependencies _deps;
    private readonly RdsClient _rds;
    private readonly ILogger<FdsApiServer> _logger;
    private readonly ConcurrentDictionary<Task, byte> _clients = new();
    private readonly CancellationTokenSource _closeClients = new();
    private Socket? _listener;

    public FdsApiServer(IOptions<FdsApiOptions> options, FdsApiDependencies deps, RdsClient rds, ILogger<FdsApiServer> logger)
    {
        _options = options.Value;
        _deps = deps;
        _rds = rds;
        _logger = logger;
    }

    /// <summary>Where the listener is bound (the real port when configured with 0).</summary>
    public IPEndPoint? BoundEndpoint => _listener?.LocalEndPoint as IPEndPoint;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = Bind();
        _logger.Listening(_listener.LocalEndPoint!);
        return base.StartAsync(cancellationToken);
    }

    private Socket Bind()
    {
        if (!IPAddress.TryParse(_options.Address, out var address))
        {
            throw new StartupException($"FdsApi:Address: '{_options.Address}' is not an IP address");
        }

        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, _options.Port));
            socket.Listen(512);
            return socket;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw ex.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? new StartupException($"FdsApi:Port: {_options.Port} on {address} is already in use", ex)
                : new StartupException($"FdsApi:Address: cannot listen on {address}:{_options.Port}: {ex.Message}", ex);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        AcceptLoop.RunAsync(_listener!, Serve, ex => _logger.AcceptFailed(ex), ex => _logger.AcceptFailed(ex), stoppingToken);

    private void Serve(Socket socket)
    {
        socket.NoDelay = true;
        var client = new FdsApiConnection(socket, _options, _deps, _logger);
        var running = Task.Run(() => client.RunAsync(_closeClients.Token), CancellationToken.None);
        _clients.TryAdd(running, 0);
        _ = running.ContinueWith(t => _clients.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// Stop accepting; let calls in progress finish within the grace period; fail the rest by
    /// ending the ICP connection (their clients get an answer naming the shutdown); then close
    /// every client.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _listener?.Dispose();
        await base.StopAsync(cancellationToken);

        var inFlight = _deps.InFlight;
        if (inFlight.Count > 0)
        {
            _logger.Draining(inFlight.Count, _options.ShutdownGracePeriod.TotalMilliseconds);
            if (!await inFlight.WaitForNoneAsync(_options.ShutdownGracePeriod))
            {
                _logger.DrainTimedOut(inFlight.Count);
                _rds.Current?.Abort(new OperationCanceledException("session manager is shutting down"));
                await inFlight.WaitForNoneAsync(TimeSpan.FromSeconds(1));
            }
        }

        await _closeClients.CancelAsync();
        await Task.WhenAll(_clients.Keys).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None)
            .ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public override void Dispose()
    {
        _listener?.Dispose();
        _closeClients.Dispose();
        base.Dispose();
    }
}
