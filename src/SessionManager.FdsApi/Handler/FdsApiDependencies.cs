using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionManager.FdsApi.Logging;
using SessionManager.Icp;

namespace SessionManager.FdsApi.Handler;

/// <summary>What every connection's <see cref="FdsApiHandler"/> shares (one instance for the daemon).</summary>
public sealed class FdsApiDependencies(RdsClient rds, ISessionRouting routing, IFdsApiCallGate gate, InFlightCalls inFlight, FdsApiLogLimits logLimits, ILogger<FdsApiHandler> logger, ISessionDirectory? directory = null, ITokenService? tokens = null,
    IOptions<FdsApiOptions>? options = null, FdsApiMetrics? metrics = null)
{
    /// <summary>Null in tests that build the handler by hand.</summary>
    public FdsApiMetrics? Metrics { get; } = metrics;

    public RdsClient Rds { get; } = rds;

    public ISessionRouting Routing { get; } = routing;

    public IFdsApiCallGate Gate { get; } = gate;

    public InFlightCalls InFlight { get; } = inFlight;

    public ILogger<FdsApiHandler> Logger { get; } = logger;

    /// <summary>Failed calls can be repeated at will by a client while the RDS server is down: rate-limited.</summary>
    public FdsApiLogLimits LogLimits { get; } = logLimits;

    /// <summary>The session registry's side of the API; null when the daemon runs without one.</summary>
    public ISessionDirectory? Directory { get; } = directory;

    /// <summary>Logon tokens (logonConnection and friends); null when the daemon runs without.</summary>
    public ITokenService? Tokens { get; } = tokens;

    /// <summary>
    /// Whether a call's token says who made it (<c>FdsApi:RequireToken</c>): only then are the calls
    /// in flight counted per token. Unchecked, every client may send the same fixed token.
    /// </summary>
    public bool TokensChecked { get; } = options?.Value.RequireToken ?? false;

    /// <summary>The same dependencies with another check point (one connection's), everything
    /// else, <see cref="TokensChecked"/> included, as the daemon's.</summary>
    public FdsApiDependencies WithGate(IFdsApiCallGate connectionGate) =>
        new(Rds, Routing, connectionGate, InFlight, LogLimits, Logger, Directory, Tokens, options, Metrics);
}
