using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SessionManager.Icp.Hosting;

namespace SessionManager.FdsApi.Tls;

/// <summary>
/// The TLS side of the Thrift port, settled once at start: the mode, and (unless it is off) the
/// certificate with its key, loaded and checked before the port listens, so a missing or broken
/// pair stops start-up instead of failing every client.
/// </summary>
public sealed class FdsApiTls : IDisposable
{
    private readonly X509Certificate2? _certificate;

    private FdsApiTls(FdsApiTlsMode mode, X509Certificate2? certificate, string certificatePath, TimeSpan handshakeTimeout)
    {
        Mode = mode;
        _certificate = certificate;
        CertificatePath = certificatePath;
        HandshakeTimeout = handshakeTimeout;
        if (certificate is not null)
        {
            ServerOptions = new SslServerAuthenticationOptions
            {
                // Built once: the chain is not looked up (offline) for every handshake.
                ServerCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true),
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                // ogon's clients present no certificate and check none (they authenticate with tokens).
                ClientCertificateRequired = false,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                AllowRenegotiation = false,
            };
        }
    }

    public FdsApiTlsMode Mode { get; }

    /// <summary>How TLS clients are served; null when FdsApi:Tls is off.</summary>
    public SslServerAuthenticationOptions? ServerOptions { get; }

    public string CertificatePath { get; }

    public TimeSpan HandshakeTimeout { get; }

    public string? Subject => _certificate?.Subject;

    public DateTime? NotAfter => _certificate?.NotAfter;

    /// <exception cref="StartupException">the mode is unknown, or the pair cannot be loaded.</exception>
    public static FdsApiTls Load(FdsApiOptions options)
    {
        if (!FdsApiTlsModes.TryParse(options.Tls, out var mode))
        {
            throw new StartupException($"FdsApi:Tls: must be optional, required or off (got '{options.Tls}')");
        }

        if (mode == FdsApiTlsMode.Off)
        {
            return new FdsApiTls(mode, null, "", options.TlsHandshakeTimeout);
        }

        string certificatePath = options.TlsCertificatePath, keyPath = options.TlsKeyPath;
        if (certificatePath.Length == 0 || keyPath.Length == 0)
        {
            throw new StartupException("FdsApi:TlsCertificatePath: no certificate for TLS clients: set it and FdsApi:TlsKeyPath, or FdsApi:Tls=off");
        }

        try
        {
            return new FdsApiTls(mode, X509Certificate2.CreateFromPemFile(certificatePath, keyPath), certificatePath, options.TlsHandshakeTimeout);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new StartupException($"FdsApi:TlsCertificatePath: cannot load the TLS pair {certificatePath} / {keyPath}: {ex.Message}", ex);
        }
    }

    public void Dispose() => _certificate?.Dispose();
}
