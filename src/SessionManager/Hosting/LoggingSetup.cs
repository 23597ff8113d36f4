using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace SessionManager.Hosting;

/// <summary>
/// Serilog as the logging provider. <c>Log:Format</c>: <c>text</c> (readable), <c>json</c>
/// (compact JSON, one event per line, every property kept), or <c>auto</c>: text on a terminal,
/// JSON otherwise (journald, files, pipes). <c>Log:Console</c>: false turns the console off.
/// Levels come from <c>Serilog:MinimumLevel</c> (<c>Default</c>, and <c>Override:Category</c>),
/// read here rather than by Serilog.Settings.Configuration, whose assembly scanning cost more
/// start-up time than everything else the daemon does.
/// </summary>
internal static class LoggingSetup
{
    private const string TextTemplate = "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {Message:lj}{NewLine}{Exception}";

    public static IServiceCollection AddSessionManagerLogging(this IServiceCollection services, IConfiguration configuration)
    {
        string format = configuration["Log:Format"] ?? "auto";
        bool json = format switch
        {
            "json" => true,
            "text" => false,
            _ => Console.IsOutputRedirected,
        };

        bool console = configuration.GetValue("Log:Console", defaultValue: true);
        // preserveStaticLogger: each host logs through its own logger, never Serilog's static one
        // (several hosts share a process in the integration tests).
        return services.AddSerilog(preserveStaticLogger: true, configureLogger: (services, logger) =>
        {
            // A failed start is reported by DaemonRunner as one line; the host's own report of
            // it is a stack trace that only buries that line.
            ApplyLevels(logger, configuration.GetSection("Serilog:MinimumLevel"));
            logger.MinimumLevel.Override("Microsoft.Extensions.Hosting.Internal.Host", LogEventLevel.Fatal)
                .Enrich.FromLogContext();
            // Extra sinks registered in DI (tests capture events this way).
            foreach (var sink in services.GetServices<ILogEventSink>())
            {
                logger.WriteTo.Sink(sink);
            }

            if (!console)
            {
                return;
            }

            if (json)
            {
                logger.WriteTo.Console(new CompactJsonFormatter());
            }
            else
            {
                logger.WriteTo.Console(outputTemplate: TextTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
            }
        });
    }

    private static void ApplyLevels(LoggerConfiguration logger, IConfigurationSection levels)
    {
        logger.MinimumLevel.Is(ParseLevel(levels["Default"] ?? levels.Value, "Serilog:MinimumLevel:Default"));
        foreach (var category in levels.GetSection("Override").GetChildren())
        {
            logger.MinimumLevel.Override(category.Key, ParseLevel(category.Value, $"Serilog:MinimumLevel:Override:{category.Key}"));
        }
    }

    private static LogEventLevel ParseLevel(string? text, string key) =>
        text is null ? LogEventLevel.Information
        : Enum.TryParse<LogEventLevel>(text, ignoreCase: true, out var level) ? level
        : throw new Icp.Hosting.StartupException($"{key}: '{text}' is not a level (Verbose, Debug, Information, Warning, Error, Fatal)");
}
