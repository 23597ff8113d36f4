using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SessionManager.FdsApi;
using SessionManager.Icp;
using SessionManager.Sessions.Launcher;
using SessionManager.Sessions.Logon;
using SessionManager.Sessions.Security;

namespace SessionManager.Hosting;

/// <summary>
/// Every configuration check, run on a composed service provider: at start on the host's, and
/// at a reload on one composed the same way from the files read again, so that a reload
/// accepts exactly what a start would.
/// </summary>
internal static class StartupChecks
{
    /// <summary>One line per problem, each beginning with its key; empty when all is well.</summary>
    public static List<string> Problems(IServiceProvider services) =>
        [
            .. services.GetService<LogSettings>()?.Problems ?? [],
            .. new[]
            {
                Check<IcpOptions>(services), Check<FdsApiOptions>(services), Check<SessionsOptions>(services),
                Check<LauncherOptions>(services), Check<AuthOptions>(services), Check<AuthThrottleOptions>(services),
                Check<SessionManager.Metrics.MetricsOptions>(services),
            }.OfType<string>(),
        ];

    private static string? Check<TOptions>(IServiceProvider services)
        where TOptions : class
    {
        try
        {
            _ = services.GetRequiredService<IOptions<TOptions>>().Value;
            return null;
        }
        catch (Exception ex) when (DaemonRunner.Describe(ex) is { } problem)
        {
            return problem;
        }
    }
}
