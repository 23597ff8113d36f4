using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SessionManager.FdsApi;
using SessionManager.Icp;

namespace SessionManager.Hosting;

/// <summary>
/// Start-up checks that speak the operator's language: each failure is one line beginning with
/// the configuration key, e.g. <c>FdsApi:Port: must be 0-65535 (got 70000)</c>.
/// </summary>
internal static class OptionsValidators
{
    public static IServiceCollection AddOptionsValidators(this IServiceCollection services) => services
        .AddSingleton<IValidateOptions<IcpOptions>, IcpOptionsValidator>()
        .AddSingleton<IValidateOptions<FdsApiOptions>, FdsApiOptionsValidator>();

    private sealed class IcpOptionsValidator : IValidateOptions<IcpOptions>
    {
        public ValidateOptionsResult Validate(string? name, IcpOptions o)
        {
            var errors = new List<string>(SocketSettingRules.Problems(o));

            if (o.RequestTimeout <= TimeSpan.Zero || o.RequestTimeout > TimeSpan.FromHours(1))
            {
                errors.Add($"Icp:RequestTimeout: must be more than 0 and at most 01:00:00 (got {o.RequestTimeout})");
            }

            if (o.MaxFrameBytes < 64 || o.MaxFrameBytes > 64 * 1024 * 1024)
            {
                errors.Add($"Icp:MaxFrameBytes: must be 64-67108864 (got {o.MaxFrameBytes})");
            }

            if (o.MaxPendingCalls is < 1 or > 1_000_000)
            {
                errors.Add($"Icp:MaxPendingCalls: must be 1-1000000 (got {o.MaxPendingCalls})");
            }

            // Less than the table, so that one session or one token always leaves room for the others.
            if (o.MaxPendingCallsPerSession < 1 || o.MaxPendingCallsPerSession >= o.MaxPendingCalls)
            {
                errors.Add($"Icp:MaxPendingCallsPerSession: must be at least 1 and less than Icp:MaxPendingCalls ({o.MaxPendingCalls}), so that one session cannot fill the table for the others (got {o.MaxPendingCallsPerSession})");
            }

            if (o.MaxPendingCallsPerToken < 1 || o.MaxPendingCallsPerToken >= o.MaxPendingCalls)
            {
                errors.Add($"Icp:MaxPendingCallsPerToken: must be at least 1 and less than Icp:MaxPendingCalls ({o.MaxPendingCalls}), so that one token cannot fill the table for the others (got {o.MaxPendingCallsPerToken})");
            }

            if (o.MessageBoxMaxWait < TimeSpan.FromSeconds(1) || o.MessageBoxMaxWait > TimeSpan.FromDays(1))
            {
                errors.Add($"Icp:MessageBoxMaxWait: must be 00:00:01-1.00:00:00 (got {o.MessageBoxMaxWait})");
            }

            if (o.MaxConcurrentRequests is < 1 or > 65536)
            {
                errors.Add($"Icp:MaxConcurrentRequests: must be 1-65536 (got {o.MaxConcurrentRequests})");
            }

            if (o.PingInterval != Timeout.InfiniteTimeSpan && (o.PingInterval < TimeSpan.FromMilliseconds(100) || o.PingInterval > TimeSpan.FromHours(1)))
            {
                errors.Add($"Icp:PingInterval: must be 00:00:00.1-01:00:00, or -00:00:00.001 for no heartbeat (got {o.PingInterval})");
            }

            if (o.PingTimeout < TimeSpan.FromMilliseconds(100) || o.PingTimeout > TimeSpan.FromHours(1))
            {
                errors.Add($"Icp:PingTimeout: must be 00:00:00.1-01:00:00 (got {o.PingTimeout})");
            }

            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }

    private sealed class FdsApiOptionsValidator : IValidateOptions<FdsApiOptions>
    {
        /// <summary>64 GiB: beyond any host this runs on; a larger figure is a typo.</summary>
        private const long MaxBufferedBytesCeiling = 64L * 1024 * 1024 * 1024;

        public ValidateOptionsResult Validate(string? name, FdsApiOptions o)
        {
            var errors = new List<string>();
            if (!IPAddress.TryParse(o.Address, out _))
            {
                errors.Add($"FdsApi:Address: must be an IP address such as 127.0.0.1 (got '{o.Address}')");
            }

            if (o.Port is < 0 or > 65535)
            {
                errors.Add($"FdsApi:Port: must be 0-65535 (got {o.Port})");
            }

            if (o.MaxFrameBytes is < 1024 or > FdsApiOptions.MaxFrameBytesCeiling)
            {
                errors.Add($"FdsApi:MaxFrameBytes: must be 1024-{FdsApiOptions.MaxFrameBytesCeiling} (got {o.MaxFrameBytes})");
            }

            if (o.MaxConnections is < 1 or > 65536)
            {
                errors.Add($"FdsApi:MaxConnections: must be 1-65536 (got {o.MaxConnections})");
            }

            if (o.FrameTimeout <= TimeSpan.Zero || o.FrameTimeout > TimeSpan.FromMinutes(5))
            {
                errors.Add($"FdsApi:FrameTimeout: must be more than 0 and at most 00:05:00 (got {o.FrameTimeout})");
            }

            if (o.ShutdownGracePeriod < TimeSpan.Zero || o.ShutdownGracePeriod > TimeSpan.FromMinutes(5))
            {
                errors.Add($"FdsApi:ShutdownGracePeriod: must be 00:00:00-00:05:00 (got {o.ShutdownGracePeriod})");
            }

            if (o.Routing is not ("sessions" or "connection"))
            {
                errors.Add($"FdsApi:Routing: must be sessions or connection (got '{o.Routing}')");
            }

            if (!SessionManager.FdsApi.Tls.FdsApiTlsModes.TryParse(o.Tls, out _))
            {
                errors.Add($"FdsApi:Tls: must be optional, required or off (got '{o.Tls}')");
            }

            if (o.TlsHandshakeTimeout <= TimeSpan.Zero || o.TlsHandshakeTimeout > TimeSpan.FromMinutes(1))
            {
                errors.Add($"FdsApi:TlsHandshakeTimeout: must be more than 0 and at most 00:01:00 (got {o.TlsHandshakeTimeout})");
            }

            // Smaller than one largest message, a frame MaxFrameBytes allows could never be received.
            if (o.MaxBufferedBytes < o.MaxFrameBytes || o.MaxBufferedBytes > MaxBufferedBytesCeiling)
            {
                errors.Add($"FdsApi:MaxBufferedBytes: must be at least FdsApi:MaxFrameBytes ({o.MaxFrameBytes}) and at most {MaxBufferedBytesCeiling} (got {o.MaxBufferedBytes})");
            }

            if (o.UnauthenticatedIdleTimeout != Timeout.InfiniteTimeSpan && (o.UnauthenticatedIdleTimeout <= TimeSpan.Zero || o.UnauthenticatedIdleTimeout > TimeSpan.FromDays(1)))
            {
                errors.Add($"FdsApi:UnauthenticatedIdleTimeout: must be more than 0 and at most 1.00:00:00, or -00:00:00.001 for never (got {o.UnauthenticatedIdleTimeout})");
            }

            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
