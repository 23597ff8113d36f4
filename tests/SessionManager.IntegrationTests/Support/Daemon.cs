using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog.Core;
using SessionManager.FdsApi.Generated;
using SessionManager.FdsApi.Server;
using SessionManager.Hosting;
using SessionManager.Icp;
using SessionManager.Testing;

namespace SessionManager.IntegrationTests.Support;

/// <summary>
/// The real daemon, in process: the same host as Program.cs, on a private socket path and a free
/// port, logging into a <see cref="LogCapture"/>.
/// </summary>
public sealed class Daemon : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly DirectoryInfo _directory;

    private Daemon(IHost host, DirectoryInfo directory, string socketPath, LogCapture logs)
    {
        _host = host;
        _directory = directory;
        SocketPath = socketPath;
        Logs = logs;
        Port = host.Services.GetRequiredService<FdsApiServer>().BoundEndpoint!.Port;
    }

    public string SocketPath { get; }

    public int Port { get; }

    public LogCapture Logs { get; }

    public IServiceProvider Services => _host.Services;

    public RdsClient Rds => _host.Services.GetRequiredService<RdsClient>();

    public SessionManager.Sessions.Registry.SessionRegistry Sessions => _host.Services.GetRequiredService<SessionManager.Sessions.Registry.SessionRegistry>();

    /// <summary>The daemon's own directory: socket, token files, TLS pair.</summary>
    public string DataDirectory => _directory.FullName;

    public static Task<Daemon> StartAsync(params string[] settings) => StartAsync(null, settings);

    /// <param name="configure">Replaces services before the host is built (e.g. a routing or a call gate).</param>
    public static async Task<Daemon> StartAsync(Action<IServiceCollection>? configure, params string[] settings)
    {
        var directory = Directory.CreateTempSubdirectory("sm-it-");
        var socketPath = Path.Combine(directory.FullName, "sm.sock");
        var logs = new LogCapture();
        string[] args =
        [
            $"--Icp:SocketPath={socketPath}",
            "--FdsApi:Port=0",
            "--Log:Console=false",
            "--Serilog:MinimumLevel:Default=Debug",
            // Bridge tests address RDS connections directly; session tests set FdsApi:Routing=sessions.
            "--FdsApi:Routing=connection",
            // Most tests are about other things than tokens; the token tests turn it back on.
            "--FdsApi:RequireToken=false",
            $"--Sessions:TokenDirectory={directory.FullName}",
            $"--Tls:CertificatePath={Path.Combine(directory.FullName, "rds.crt")}",
            $"--Tls:KeyPath={Path.Combine(directory.FullName, "rds.key")}",
            $"--Pipes:Directory={Path.Combine(directory.FullName, "pipe")}",
            // Not the host's /run one: tests run daemons side by side.
            $"--Control:SocketPath={Path.Combine(directory.FullName, "control.sock")}",
            .. settings.Select(s => "--" + s),
        ];
        var builder = SessionManagerHost.CreateBuilder(args);
        builder.Services.AddSingleton<ILogEventSink>(logs);
        configure?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new Daemon(host, directory, socketPath, logs);
    }

    /// <summary>A fake RDS server, connected, handshaken, and attached as the live connection.</summary>
    public async Task<FakeRdsPeer> ConnectRdsAsync(bool standardAnswers = false)
    {
        var (peer, _) = await FakeRdsPeer.ConnectWithHandshakeAsync(SocketPath);
        if (standardAnswers)
        {
            peer.Answer = StandardRdsAnswers.Answer;
        }

        // The handshake answer proves the daemon serves this connection (a rejected second
        // connection is closed without one), so it is the live one.
        return peer;
    }

    public Task<fdsapi.Client> ClientAsync(bool framed = true, bool compact = false) =>
        FdsApiTestClient.ConnectAsync(Port, framed, compact);

    public async Task StopAsync() => await _host.StopAsync(TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
        _directory.Delete(recursive: true);
    }
}
