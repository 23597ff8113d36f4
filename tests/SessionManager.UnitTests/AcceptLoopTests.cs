using System.Net;
using System.Net.Sockets;
using SessionManager.Icp.Hosting;

namespace SessionManager.UnitTests;

public class AcceptLoopTests
{
    [Fact]
    public async Task A_callback_that_throws_closes_that_socket_and_the_loop_keeps_accepting()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(8);
        using var stop = new CancellationTokenSource();
        var failures = new List<Exception>();
        var served = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        int accepted = 0;
        var loop = AcceptLoop.RunAsync(listener, socket =>
        {
            if (Interlocked.Increment(ref accepted) == 1)
            {
                throw new InvalidOperationException("first connection breaks its handler");
            }

            served.SetResult(socket);
        }, _ => { }, ex => { lock (failures) { failures.Add(ex); } }, stop.Token);

        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await first.ConnectAsync(listener.LocalEndPoint!);
        var buffer = new byte[1];
        int read = await first.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(10));
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await second.ConnectAsync(listener.LocalEndPoint!);
        using var serving = await served.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, read); // the failed one was closed
        Assert.Equal("first connection breaks its handler", Assert.Single(failures).Message);
        await stop.CancelAsync();
        listener.Dispose();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Closing_the_listener_under_the_accept_ends_the_loop_without_an_error()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(8);
        int errors = 0;
        var loop = AcceptLoop.RunAsync(listener, s => s.Dispose(), _ => Interlocked.Increment(ref errors), _ => Interlocked.Increment(ref errors), CancellationToken.None);
        await Task.Delay(50);

        listener.Dispose();

        await loop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, errors);
    }
}
