namespace SessionManager.Sessions.Tls;

/// <summary>Configuration section <c>Tls</c>: the certificate and key the RDS server uses (ssl.certificate, ssl.key).</summary>
public sealed class TlsOptions
{
    public const string SectionName = "Tls";

    public string CertificatePath { get; set; } = "/etc/sessionmanager/tls/rds.crt";

    /// <summary>Also the key of RDP Standard Security, so RSA (ogon's RDS requires it).</summary>
    public string KeyPath { get; set; } = "/etc/sessionmanager/tls/rds.key";
}
