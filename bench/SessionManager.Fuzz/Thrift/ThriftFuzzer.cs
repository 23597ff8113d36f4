using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;

namespace SessionManager.Fuzz.Thrift;

/// <summary>
/// Hostile fdsapi clients: several connections at once, each in one wire format (framed or not,
/// binary or compact, plain or inside TLS), sending a group of calls of which most are mutated,
/// then half-closing and reading until the daemon closes its side. Every message sent has thus
/// been dealt with before the connection is counted done, and one the daemon never closes is a stall.
/// </summary>
public sealed class ThriftFuzzer(int port, FuzzSettings settings, FuzzCounters counters)
{
    private readonly ThriftCallFactory _calls = new(settings.LogonShare);

    /// <summary>Sends at least <paramref name="messages"/> messages from <see cref="FuzzSettings.ThriftWorkers"/> workers.</summary>
    public async Task RunAsync(int seed, long messages)
    {
        long target = counters.ThriftMessages + messages;
        var workers = Enumerable.Range(0, settings.ThriftWorkers).Select(i => Task.Run(async () =>
        {
            var rng = new Random(HashCode.Combine(seed, i));
            while (counters.ThriftMessages < target)
            {
                try
                {
                    await ExchangeAsync(rng);
                }
#pragma warning disable CA1031 // a fuzz client failing in an unforeseen way must not end the run: counted by type
                catch (Exception e)
#pragma warning restore CA1031
                {
                    // The fuzzer's own client failing in a way not foreseen: counted, the run goes on.
                    counters.Count($"thrift: client error {e.GetType().Name}");
                }
            }
        }));
        await Task.WhenAll(workers);
    }

    private async Task ExchangeAsync(Random rng)
    {
        bool framed = rng.Next(3) != 0;
        bool compact = rng.Next(3) == 0;
        bool tls = rng.NextDouble() < settings.TlsShare;
        string mode = $"{(tls ? "tls+" : "")}{(framed ? "framed" : "unframed")}-{(compact ? "compact" : "binary")}";

        var messages = new List<byte[]>();
        for (int i = rng.Next(1, 9); i > 0; i--)
        {
            var mutation = rng.NextDouble() < settings.ValidShare ? ThriftMutation.None : ThriftMessageMutator.RandomMutation(rng);
            counters.Count($"thrift mutation: {mutation}");
            messages.Add(await ThriftMessageMutator.BuildAsync(rng, _calls, compact, framed, mutation, settings.MaxFrameBytes));
        }

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        }
        catch (SocketException)
        {
            counters.Count("thrift: connect failed");
            await Task.Delay(50);
            return;
        }

        counters.Count("thrift: connections");
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        if (tls)
        {
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            if (!await AuthenticateAsync(ssl))
            {
                counters.Count("thrift: TLS handshakes refused");
                await ssl.DisposeAsync();
                return;
            }

            counters.Count("thrift: TLS handshakes completed");
            stream = ssl;
        }

        var reading = DrainAsync(stream);
        int sent = 0;
        try
        {
            foreach (var message in messages)
            {
                await stream.WriteAsync(message);
                sent++;
            }

            await stream.FlushAsync(CancellationToken.None);
            if (stream is SslStream closing)
            {
                await CloseNotifyAsync(closing); // then the TCP half-close below
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or CryptographicException or InvalidOperationException)
        {
            // CryptographicException: OpenSSL refuses close_notify when the daemon ended TLS first.
            counters.Count("thrift: closed by the daemon while sending");
        }

        counters.AddThriftMessages(sent);
        counters.Count($"thrift messages: {mode}", sent);
        if (await Task.WhenAny(reading, Task.Delay(settings.StallTimeout)) != reading)
        {
            counters.Count("thrift: stalls (daemon did not close a finished connection)");
        }

        await stream.DisposeAsync();
    }

    /// <summary>
    /// TLS close_notify, best effort: when the daemon has already ended the session OpenSSL
    /// refuses it with exceptions of its own (internal types, not IOException).
    /// </summary>
    private static async Task CloseNotifyAsync(SslStream ssl)
    {
        try
        {
            await ssl.ShutdownAsync();
        }
#pragma warning disable CA1031 // whatever it throws, the half-close follows and the daemon sees the end
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static async Task<bool> AuthenticateAsync(SslStream ssl)
    {
        // As ogon's WTSAPI client: TLS without a certificate check.
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
#pragma warning disable CA5359 // deliberately no check: the daemon's certificate is self-signed, and ogon's clients check nothing either
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
#pragma warning restore CA5359
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await ssl.AuthenticateAsClientAsync(options, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is IOException or AuthenticationException or OperationCanceledException or SocketException)
        {
            return false;
        }
    }

    private static async Task DrainAsync(Stream stream)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (await stream.ReadAsync(buffer) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // reset or closed: the end either way
        }
    }
}
