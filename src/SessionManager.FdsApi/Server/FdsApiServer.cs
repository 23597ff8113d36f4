using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionManager.FdsApi.Handler;
using SessionManager.FdsApi.Logging;
using SessionManager.FdsApi.Tls;
using SessionManager.Icp.Hosting;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// The fdsapi TCP listener. Bound in <see cref="StartAsync"/> so a port in use fails start-up;
/// each client runs as its own tracked task, at most FdsApi:MaxConnections at once. Thrift's own
/// servers are not used: they serve one transport/protocol per port, and this one tells each
/// client's apart (see <see cref="WireFormatSniffer"/>).
/// </summary>
public sealed class FdsApiServer : BackgroundService
{
    /// <summary>After the grace period, how long the "shutting down" answers get to go out.</summary>
    private static readonly TimeSpan AbandonedAnswersTimeout = TimeSpan.FromSeconds(2);

    // Start-time values (address, port, TLS: a restart changes them); new clients take their
    // limits and timeouts from _current, which follows reloads.
    private readonly FdsApiOptions _options;
    private readonly IOptionsMonitor<FdsApiOptions> _current;
    private readonly FdsApiDependencies _deps;
    private readonly FdsApiLogLimits _limits;
    private readonly ILogger<FdsApiServer> _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<FdsApiConnection, Task> _clients = new();
    private readonly CancellationTokenSource _stopReading = new();
    private readonly CancellationTokenSource _abandonCalls = new();
    private int _connections;
    private Socket? _listener;
    private FdsApiTls? _tls;

    public FdsApiServer(IOptions<FdsApiOptions> options, IOptionsMonitor<FdsApiOptions> current, FdsApiDependencies deps, FdsApiLogLimits limits, ILogger<FdsApiServer> logger, TimeProvider time)
    {
        _options = options.Value;
        _current = current;
        _deps = deps;
        _limits = limits;
        _logger = logger;
        _time = time;
        BufferBudget = new ClientBufferBudget(_options.MaxBufferedBytes, time);
        Departures = new ClientDepartures(time);
    }

    /// <summary>FdsApi:MaxBufferedBytes, shared by every client's large messages.</summary>
    public ClientBufferBudget BufferBudget { get; }

    /// <summary>The clients whose call runs now, watched for leaving.</summary>
    internal ClientDepartures Departures { get; }

    /// <summary>The accept loop, for the systemd watchdog.</summary>
    public LoopActivity AcceptActivity { get; } = new("fdsapi accept loop");

    /// <summary>Where the listener is bound (the real port when configured with 0).</summary>
    public IPEndPoint? BoundEndpoint => _listener?.LocalEndPoint as IPEndPoint;

    /// <summary>Clients connected now (each counts against FdsApi:MaxConnections).</summary>
    public int ConnectionCount => Volatile.Read(ref _connections);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // The pair is loaded before the port listens: a broken one stops start-up, not each client.
        _tls = FdsApiTls.Load(_options);
        _listener = Bind();
        _logger.Listening(_listener.LocalEndPoint!);
        if (_tls.Mode == FdsApiTlsMode.Off)
        {
            _logger.TlsOff();
        }
        else
        {
            _logger.TlsEnabled(_options.Tls, _tls.CertificatePath, _tls.Subject, _tls.NotAfter);
        }

        if (!_options.RequireToken)
        {
            _logger.TokensNotChecked();
        }

        // Off loopback, a plain client's tokens and logonConnection credentials cross the network in clear.
        if (IPAddress.TryParse(_options.Address, out var bound) && !IPAddress.IsLoopback(bound) && _tls.Mode != FdsApiTlsMode.Required)
        {
            _logger.ClearTextBeyondLoopback(_options.Address, _options.Tls);
        }

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
        AcceptLoop.RunAsync(_listener!, Serve, ex => _logger.AcceptFailed(ex), ex => _logger.AcceptFailed(ex), AcceptActivity, stoppingToken);

    private void Serve(Socket socket)
    {
        // Counted here, on the accept loop, so a burst of clients cannot overshoot the limit.
        var options = _current.CurrentValue;
        if (Interlocked.Increment(ref _connections) > options.MaxConnections)
        {
            Interlocked.Decrement(ref _connections);
            if (_limits.ConnectionLimitReached.ShouldLog())
            {
                _logger.ConnectionLimitReached(socket.RemoteEndPoint, options.MaxConnections);
            }

            socket.Dispose();
            return;
        }

        socket.NoDelay = true;
        var client = new FdsApiConnection(socket, options, _deps, _limits, _tls!, BufferBudget, Departures, _time, _logger, _stopReading.Token, _abandonCalls.Token);
        _clients[client] = Task.Run(() => RunClientAsync(client), CancellationToken.None);
    }

    private async Task RunClientAsync(FdsApiConnection client)
    {
        try
        {
            await client.RunAsync();
        }
        finally
        {
            _clients.TryRemove(client, out _);
            Interlocked.Decrement(ref _connections);
        }
    }

    /// <summary>
    /// Stop accepting, then stop reading: a client between calls is closed at once, and one whose
    /// call is running is not read again after its reply. Calls in progress may finish within
    /// the grace period; the rest are abandoned, and their handlers answer "shutting down" (the
    /// replies are written without a cancellable token). Whatever is left is then closed.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _listener?.Dispose();
        await base.StopAsync(cancellationToken);
        await _stopReading.CancelAsync();

        var inFlight = _deps.InFlight;
        if (inFlight.Count > 0)
        {
            var grace = _current.CurrentValue.ShutdownGracePeriod;
            _logger.Draining(inFlight.Count, grace.TotalMilliseconds);
            if (!await inFlight.WaitForNoneAsync(grace))
            {
                _logger.DrainTimedOut(inFlight.Count);
                await _abandonCalls.CancelAsync();

                // Bridged calls wait on that token too; the ICP calls are failed here as well for
                // the answers nobody waits on (a sendMessage without wait logs its answer later).
                _deps.Rds.AbandonPendingCalls("session manager is shutting down");
                await inFlight.WaitForNoneAsync(AbandonedAnswersTimeout);
            }
        }

        // Left now: clients half-way through sending a message, or not reading their reply.
        foreach (var client in _clients.Keys)
        {
            client.Abort();
        }

        await Task.WhenAll(_clients.Values).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None)
            .ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public override void Dispose()
    {
        _listener?.Dispose();
        _tls?.Dispose();
        Departures.Dispose();
        _stopReading.Dispose();
        _abandonCalls.Dispose();
        base.Dispose();
    }
}
