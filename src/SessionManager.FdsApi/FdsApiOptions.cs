namespace SessionManager.FdsApi;

/// <summary>Configuration section <c>FdsApi</c>: the Thrift listener.</summary>
public sealed class FdsApiOptions
{
    public const string SectionName = "FdsApi";

    /// <summary>Listen address. Loopback by default: tokens are not checked yet.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Listen port (ogon's). 0 picks a free port (tests).</summary>
    public int Port { get; set; } = 9091;

    /// <summary>Largest Thrift message accepted (Thrift's own default).</summary>
    public int MaxFrameBytes { get; set; } = 16_384_000;

    /// <summary>On shutdown, how long calls in progress may still finish before they are failed.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(3);
}
