using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SessionManager.FdsApi;
using SessionManager.Icp;
using SessionManager.Sessions.Launcher;
using SessionManager.Sessions.Logon;
using SessionManager.Icp.Hosting;

namespace SessionManager.Hosting;

/// <summary>
/// Runs the host and turns a failed start into one line on stderr and a non-zero exit, instead
/// of a stack trace: bad configuration is an operator's problem, not a crash.
/// </summary>
public static class DaemonRunner
{
    public const int ExitConfigurationError = 2;

    /// <summary>The daemon's main: <c>--help</c>, or compose the host from <paramref name="args"/> and run it.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (Usage.IsRequested(args))
        {
            Console.Out.Write(Usage.Text());
            return 0;
        }

        HostApplicationBuilder builder;
        try
        {
            builder = SessionManagerHost.CreateBuilder(args);
        }
        catch (FormatException ex)
        {
            // The command-line provider's complaint, e.g. "The short switch '-x' is not defined".
            return Fail($"command line: {ex.Message}");
        }
        catch (Exception ex) when (Describe(ex) is { } problem)
        {
            return Fail(problem);
        }

        return await RunAsync(builder);
    }

    public static async Task<int> RunAsync(HostApplicationBuilder builder)
    {
        IHost host;
        try
        {
            host = builder.Build();
        }
        catch (InvalidOperationException ex)
        {
            return Fail(ex.Message);
        }

        using (host)
        {
            try
            {
                // Bind and validate every section first, so that all configuration mistakes are
                // reported together, before anything listens.
                var problems = (host.Services.GetService<LogSettings>()?.Problems ?? [])
                    .Concat(new[] { Check<IcpOptions>(host), Check<FdsApiOptions>(host), Check<SessionsOptions>(host), Check<LauncherOptions>(host), Check<AuthOptions>(host), Check<SessionManager.Sessions.Security.AuthThrottleOptions>(host), Check<SessionManager.Metrics.MetricsOptions>(host) }.OfType<string>())
                    .ToList();
                if (problems.Count > 0)
                {
                    return Fail(string.Join("; ", problems));
                }

                await host.StartAsync();
            }
            catch (Exception ex)
            {
                await StopQuietlyAsync(host);
                return Fail(Describe(ex) ?? $"{ex.GetType().Name}: {ex.Message}");
            }

            await host.WaitForShutdownAsync();
            return 0;
        }
    }

    private static string? Check<TOptions>(IHost host)
        where TOptions : class
    {
        try
        {
            _ = host.Services.GetRequiredService<IOptions<TOptions>>().Value;
            return null;
        }
        catch (Exception ex) when (Describe(ex) is { } problem)
        {
            return problem;
        }
    }

    /// <summary>The operator-facing line for a start-up failure, or null if it is not a known kind.</summary>
    internal static string? Describe(Exception ex) => ex switch
    {
        StartupException s => s.Message,
        OptionsValidationException v => string.Join("; ", v.Failures.SelectMany(f => f.Split("; "))),

        // The configuration binder's message names the key: "Failed to convert configuration
        // value 'abc' at 'FdsApi:Port' to type 'System.Int32'."
        InvalidOperationException { InnerException: not null } i when i.Message.Contains("configuration", StringComparison.Ordinal) => i.Message,
        AggregateException a when a.InnerExceptions.Count == 1 => Describe(a.InnerExceptions[0]),
        _ => null,
    };

    private static int Fail(string problem)
    {
        Console.Error.WriteLine($"SessionManager: cannot start: {problem}");
        return ExitConfigurationError;
    }

    private static async Task StopQuietlyAsync(IHost host)
    {
        try
        {
            await host.StopAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception)
        {
            // Already failing; the original problem is the one to report.
        }
    }
}
