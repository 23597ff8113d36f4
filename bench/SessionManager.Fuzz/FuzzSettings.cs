namespace SessionManager.Fuzz;

/// <summary>How much to send and how strictly to judge the daemon (the tool's options, and the smoke test's).</summary>
public sealed record FuzzSettings
{
    public long IcpFrames { get; init; } = 1_000_000;

    public long ThriftMessages { get; init; } = 1_000_000;

    /// <summary>Messages per target between two liveness checks.</summary>
    public int BatchSize { get; init; } = 10_000;

    /// <summary>The seed of every choice (each worker derives its own from it): a run can be repeated.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Share of ICP frames and Thrift calls of the kinds that start a launcher and ask PAM.</summary>
    public double LogonShare { get; init; } = 0.001;

    /// <summary>Share of messages sent unchanged (the rest are mutated at one layer or more).</summary>
    public double ValidShare { get; init; } = 0.3;

    /// <summary>Share of ICP connections that wait for the daemon's heartbeat Ping and answer it (rightly or not).</summary>
    public double IdleShare { get; init; } = 0.003;

    /// <summary>Share of Thrift connections made inside TLS.</summary>
    public double TlsShare { get; init; } = 0.1;

    /// <summary>Thrift connections at once.</summary>
    public int ThriftWorkers { get; init; } = 8;

    /// <summary>The fdsapi ping after each batch must be answered within this (issue 8: 100 ms).</summary>
    public TimeSpan PingBound { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The fresh ICP connection after each batch must have its handshake answered within this.</summary>
    public TimeSpan HandshakeBound { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A connection the daemon has not closed this long after we stopped sending counts as stalled (a hang).</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>RSS at the end may be at most this many times the RSS after warm-up.</summary>
    public double RssBound { get; init; } = 1.5;

    /// <summary>The daemon's Icp:MaxFrameBytes and FdsApi:MaxFrameBytes (its defaults): lengths just past them are sent.</summary>
    public int MaxFrameBytes { get; init; } = 1_048_576;

    /// <summary>Icp:PingInterval given to the daemon: short, so idle connections see its heartbeat soon.</summary>
    public TimeSpan DaemonPingInterval { get; init; } = TimeSpan.FromMilliseconds(200);
}
