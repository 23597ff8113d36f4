using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionManager.Icp.Hosting;

namespace SessionManager.Sessions.Tls;

/// <summary>
/// At start, creates the RDS server's TLS pair when it is missing: a self-signed RSA 2048
/// certificate (the RDS also signs RDP Standard Security with the key, which must be RSA) and its
/// key, 0600 and owned by the daemon's user. An existing pair is never touched.
/// </summary>
public sealed partial class TlsPairCreator(IOptions<TlsOptions> options, ILogger<TlsPairCreator> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        bool haveCert = File.Exists(o.CertificatePath), haveKey = File.Exists(o.KeyPath);
        if (haveCert && haveKey)
        {
            return Task.CompletedTask;
        }

        if (haveCert != haveKey)
        {
            throw new StartupException($"Tls:{(haveCert ? "KeyPath" : "CertificatePath")}: {(haveCert ? o.KeyPath : o.CertificatePath)} is missing but its pair exists: restore it or remove both to have a new pair made");
        }

        try
        {
            Create(o.CertificatePath, o.KeyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new StartupException($"Tls:CertificatePath: cannot create the TLS pair {o.CertificatePath} / {o.KeyPath}: {ex.Message}", ex);
        }

        TlsPairCreated(logger, o.CertificatePath, o.KeyPath);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    internal static void Create(string certificatePath, string keyPath)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={Environment.MachineName}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));

        // The key first: a certificate without its key is worse than none.
        WriteNew(keyPath, rsa.ExportPkcs8PrivateKeyPem(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteNew(certificatePath, certificate.ExportCertificatePem(), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    /// <summary>
    /// CreateNew is O_CREAT|O_EXCL: it never follows or replaces whatever is at the path (a
    /// symlink planted there makes it fail), and the mode is set at creation, not afterwards.
    /// </summary>
    private static void WriteNew(string path, string pem, UnixFileMode mode)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = mode,
        });
        using var writer = new StreamWriter(file);
        writer.Write(pem);
    }

    [LoggerMessage(3100, LogLevel.Warning, "Created a self-signed TLS pair for the RDS server: {CertificatePath}, {KeyPath}")]
    private static partial void TlsPairCreated(ILogger logger, string certificatePath, string keyPath);
}
