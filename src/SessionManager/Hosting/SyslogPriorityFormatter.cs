using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;

namespace SessionManager.Hosting;

/// <summary>
/// Prefixes every line the inner formatter writes with its syslog priority, <c>&lt;3&gt;</c> for
/// an error and so on (sd-daemon(3)). journald reads and strips the prefix from a service's
/// stdout, so <c>journalctl -p err</c> finds the daemon's errors; without it every line is
/// stored at the stream's default priority, info. Every line, not only the first: an exception's
/// stack trace continues over several, and journald stores each as its own entry.
/// </summary>
public sealed class SyslogPriorityFormatter(ITextFormatter inner) : ITextFormatter
{
    public void Format(LogEvent logEvent, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        ArgumentNullException.ThrowIfNull(output);
        using var buffer = new StringWriter(CultureInfo.InvariantCulture);
        inner.Format(logEvent, buffer);
        string prefix = $"<{Priority(logEvent.Level)}>";
        foreach (var line in buffer.ToString().Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            output.Write(prefix);
            output.Write(line);
            output.Write('\n');
        }
    }

    /// <summary>syslog priorities: 2 crit, 3 err, 4 warning, 6 info, 7 debug.</summary>
    public static int Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => 2,
        LogEventLevel.Error => 3,
        LogEventLevel.Warning => 4,
        LogEventLevel.Information => 6,
        _ => 7,
    };
}
