using SessionManager.Icp.Link;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using SessionManager.Icp;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Handlers;
using SessionManager.Icp.Protocol;
using SessionManager.Testing;

namespace SessionManager.UnitTests.Support;

/// <summary>
/// An <see cref="IcpConnection"/> on one end of a Unix socket pair and a <see cref="FakeRdsPeer"/>
/// (the RDS side, speaking the real framing) on the other. No listener, no DI: just the connection.
/// </summary>
public sealed class IcpConnectionHarness : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly string _directory;

    private IcpConnectionHarness(string directory, IcpConnection connection, FakeRdsPeer peer, IcpOptions options)
    {
        _directory = directory;
        Connection = connection;
        Peer = peer;
        Options = options;
    }

    public IcpConnection Connection { get; }

    public FakeRdsPeer Peer { get; }

    /// <summary>The connection reads this instance each time, so a test may change it between calls.</summary>
    public IcpOptions Options { get; }

    public static async Task<IcpConnectionHarness> StartAsync(IcpOptions? options = null, TimeProvider? time = null, IIcpConnectionOwner? owner = null, params IcpHandlerRegistration[] extraHandlers)
    {
        options ??= new IcpOptions();
        string directory = Path.Combine(Path.GetTempPath(), "smut-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "icp");

        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var accepting = listener.AcceptAsync();
        var peer = await FakeRdsPeer.ConnectAsync(path).WaitAsync(Wait);
        var accepted = await accepting.WaitAsync(Wait);

        var dispatcher = new IcpRequestDispatcher([new IcpHandlerInstance<PingRequest, PingResponse>((uint)MsgType.Ping, new PingHandler()), .. extraHandlers], EmptyServices.Instance, NullLogger<IcpRequestDispatcher>.Instance);
        var connection = new IcpConnection(new NetworkStream(accepted, ownsSocket: true), PeerCredentials.Unknown, options, dispatcher, NullLogger.Instance, time, owner);
        if (owner is RdsLink link && !link.TryClaim(connection, out _))
        {
            throw new InvalidOperationException("the link is held by another connection");
        }

        connection.Start();
        return new IcpConnectionHarness(directory, connection, peer, options);
    }

    /// <summary>Why the connection ended; fails the test if it has not ended within <see cref="Wait"/>.</summary>
    public Task<Exception> ClosedAsync() => Connection.Completion.WaitAsync(Wait);

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Peer.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort: it lives in the temp directory
        }
    }
}

/// <summary>No services: the handlers in these tests are instances.</summary>
internal sealed class EmptyServices : IServiceProvider
{
    public static readonly EmptyServices Instance = new();

    public object? GetService(Type serviceType) => null;
}
