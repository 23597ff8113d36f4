namespace SessionManager.FdsApi.Server;

/// <summary>What a client speaks, told from its first bytes (FDSAPI.md "Transport").</summary>
public enum ClientWireFormat
{
    /// <summary>Not enough bytes yet to tell.</summary>
    Undecided,

    /// <summary>TFramedTransport + TBinaryProtocol: the canonical stack.</summary>
    FramedBinary,
    FramedCompact,

    /// <summary>Unframed (TBufferedTransport) + strict TBinaryProtocol: FreeRDS-era C++ clients.</summary>
    UnframedBinary,
    UnframedCompact,

    /// <summary>A TLS ClientHello: answered with a handshake, unless FdsApi:Tls is off.</summary>
    Tls,

    /// <summary>An HTTP request: a THttpClient transport, or a browser.</summary>
    Http,

    /// <summary>Nothing Thrift would send first.</summary>
    Unknown,
}

public static class ClientWireFormatExtensions
{
    public static bool IsServed(this ClientWireFormat format) =>
        format is ClientWireFormat.FramedBinary or ClientWireFormat.FramedCompact
            or ClientWireFormat.UnframedBinary or ClientWireFormat.UnframedCompact;

    public static bool IsFramed(this ClientWireFormat format) =>
        format is ClientWireFormat.FramedBinary or ClientWireFormat.FramedCompact;

    public static bool IsCompact(this ClientWireFormat format) =>
        format is ClientWireFormat.FramedCompact or ClientWireFormat.UnframedCompact;

    /// <summary>The mistake a refused client made, for the log line.</summary>
    public static string DescribeRefusal(this ClientWireFormat format) => format switch
    {
        ClientWireFormat.Tls => "client started a TLS handshake, but FdsApi:Tls is off: configure the client without TLS, or set FdsApi:Tls=optional",
        ClientWireFormat.Http => "client sent an HTTP request, but this port speaks raw Thrift (framed or unframed socket transport), not THttpTransport",
        _ => "client's first bytes are neither a Thrift frame nor a binary/compact protocol message",
    };
}
