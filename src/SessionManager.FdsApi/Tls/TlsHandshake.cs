using System.Net.Security;
using System.Security.Authentication;

namespace SessionManager.FdsApi.Tls;

/// <summary>Why a TLS client was closed before its first Thrift message.</summary>
internal sealed class TlsHandshakeFailedException(string reason, Exception? inner = null) : Exception(reason, inner);

/// <summary>
/// The server side of a client's TLS handshake, bounded in time: a client that stalls half-way
/// (or never sends more than its first bytes) is dropped after FdsApi:TlsHandshakeTimeout, and
/// the wait holds no thread.
/// </summary>
internal static class TlsHandshake
{
    /// <param name="client">The client's stream, starting at its ClientHello.</param>
    /// <returns>The authenticated stream; it owns <paramref name="client"/>.</returns>
    /// <exception cref="TlsHandshakeFailedException">the handshake failed or took too long.</exception>
    /// <exception cref="OperationCanceledException">shutdown stopped reading.</exception>
    public static async Task<SslStream> AcceptAsync(Stream client, FdsApiTls tls, CancellationToken stopReading)
    {
        var ssl = new SslStream(client, leaveInnerStreamOpen: false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopReading);
        deadline.CancelAfter(tls.HandshakeTimeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(tls.ServerOptions!, deadline.Token).ConfigureAwait(false);
            return ssl;
        }
        catch (Exception ex) when (ex is OperationCanceledException or AuthenticationException or IOException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            if (stopReading.IsCancellationRequested)
            {
                throw new OperationCanceledException("shutdown", ex, stopReading);
            }

            throw new TlsHandshakeFailedException(ex switch
            {
                OperationCanceledException => $"handshake not finished within FdsApi:TlsHandshakeTimeout ({tls.HandshakeTimeout.TotalMilliseconds} ms)",
                AuthenticationException => Innermost(ex),
                _ => $"client left during the handshake ({Innermost(ex)})",
            }, ex);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>OpenSSL's own words are in the innermost exception (e.g. "unsupported protocol").</summary>
    private static string Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex.Message;
    }
}
