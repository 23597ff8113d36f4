namespace SessionManager.FdsApi.Tls;

/// <summary>FdsApi:Tls: which clients the one Thrift port serves.</summary>
public enum FdsApiTlsMode
{
    /// <summary>Plain and TLS clients, told apart by their first bytes (ogon's clients speak TLS, FreeRDS-era ones plain).</summary>
    Optional,

    /// <summary>TLS clients only; a plain client is closed with a line saying why.</summary>
    Required,

    /// <summary>Plain clients only; a TLS ClientHello is closed with a line saying why.</summary>
    Off,
}

public static class FdsApiTlsModes
{
    /// <summary>The setting as written in configuration (lower case, as the README shows it).</summary>
    public static bool TryParse(string value, out FdsApiTlsMode mode)
    {
        switch (value)
        {
            case "optional":
                mode = FdsApiTlsMode.Optional;
                return true;
            case "required":
                mode = FdsApiTlsMode.Required;
                return true;
            case "off":
                mode = FdsApiTlsMode.Off;
                return true;
            default:
                mode = default;
                return false;
        }
    }
}
