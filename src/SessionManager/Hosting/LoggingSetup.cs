using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

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

    /// <summary>Events waiting for the console; beyond this, new events are dropped rather than
    /// making a socket thread wait for a slow terminal or a stalled journald.</summary>
    private const int ConsoleBufferEvents = 10_000;

    public static IServiceCollection AddSessionManagerLogging(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = LogSettings.Read(configuration);
        var levels = new LogLevels(settings);
        services.AddSingleton(settings);
        services.AddSingleton(levels);
        bool json = settings.Format switch
        {
            LogFormat.Json => true,
            LogFormat.Text => false,
            _ => Console.IsOutputRedirected,
        };

        // preserveStaticLogger: each host logs through its own logger, never Serilog's static one
        // (several hosts share a process in the integration tests). The logger is disposed with
        // the host's services, which flushes the console buffer: the last lines are not lost.
        return services.AddSerilog(preserveStaticLogger: true, configureLogger: (services, logger) =>
        {
            // Levels follow reloads (LogLevels); a failed start's stack trace from the host is
            // dropped there too, DaemonRunner reports it as one line.
            logger.MinimumLevel.ControlledBy(levels.Minimum)
                .Filter.With(levels)
                .Enrich.FromLogContext();
            // Extra sinks registered in DI (tests capture events this way).
            foreach (var sink in services.GetServices<ILogEventSink>())
            {
                logger.WriteTo.Sink(sink);
            }

            if (settings.Console)
            {
                AddConsole(logger, json, JournalStream.IsStandardOutput());
            }
        });
    }

    private static void AddConsole(LoggerConfiguration logger, bool json, bool toJournal)
    {
        if (!toJournal && !json)
        {
            // On a terminal: the console sink's own template rendering, with colours.
            logger.WriteTo.Async(
                console => console.Console(outputTemplate: TextTemplate, formatProvider: CultureInfo.InvariantCulture),
                bufferSize: ConsoleBufferEvents,
                blockWhenFull: false);
            return;
        }

        ITextFormatter formatter = json
            ? new CompactJsonFormatter()
            : new MessageTemplateTextFormatter(TextTemplate, CultureInfo.InvariantCulture);
        if (toJournal)
        {
            formatter = new SyslogPriorityFormatter(formatter);
        }

        logger.WriteTo.Async(console => console.Console(formatter), bufferSize: ConsoleBufferEvents, blockWhenFull: false);
    }
}
