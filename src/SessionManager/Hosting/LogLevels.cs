using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace SessionManager.Hosting;

/// <summary>
/// <c>Serilog:MinimumLevel</c> as it can change at a reload. Serilog fixes its override
/// categories when the logger is built, so they are not given to it: the logger's minimum is a
/// switch at the lowest level any category wants (events below it are never built), and a
/// filter drops what is below the event's own category level. Categories a reload adds or
/// removes work as well as changed levels.
/// </summary>
internal sealed class LogLevels : ILogEventFilter
{
    // Hosting's own report of a failed start is a stack trace; DaemonRunner reports it as one line.
    private static readonly KeyValuePair<string, LogEventLevel> HostInternals = new("Microsoft.Extensions.Hosting.Internal.Host", LogEventLevel.Fatal);

    private volatile Levels _levels;

    public LogLevels(LogSettings settings)
    {
        _levels = Build(settings);
        Minimum = new LoggingLevelSwitch(_levels.Lowest);
    }

    /// <summary>The logger's minimum level: the lowest of the default and every category's.</summary>
    public LoggingLevelSwitch Minimum { get; }

    public void Apply(LogSettings settings)
    {
        var levels = Build(settings);
        _levels = levels;
        Minimum.MinimumLevel = levels.Lowest;
    }

    public bool IsEnabled(LogEvent logEvent)
    {
        var levels = _levels;
        string context = logEvent.Properties.TryGetValue("SourceContext", out var value) && value is ScalarValue { Value: string name } ? name : "";
        return logEvent.Level >= levels.For(context);
    }

    private static Levels Build(LogSettings settings) =>
        new(settings.DefaultLevel, [.. settings.Overrides.Append(HostInternals).OrderByDescending(o => o.Key.Length)]);

    private sealed class Levels(LogEventLevel defaultLevel, KeyValuePair<string, LogEventLevel>[] longestFirst)
    {
        private readonly ConcurrentDictionary<string, LogEventLevel> _byContext = new(StringComparer.Ordinal);
        private readonly LogEventLevel _default = defaultLevel;
        private readonly KeyValuePair<string, LogEventLevel>[] _longestFirst = longestFirst;

        public LogEventLevel Lowest { get; } = longestFirst.Where(o => o.Key != HostInternals.Key).Select(o => o.Value).Append(defaultLevel).Min();

        /// <summary>As Serilog: the longest category that is the context or a dotted prefix of it.</summary>
        public LogEventLevel For(string context) => _byContext.GetOrAdd(context, static (c, self) =>
        {
            foreach (var (category, level) in self._longestFirst)
            {
                if (c.StartsWith(category, StringComparison.Ordinal) && (c.Length == category.Length || c[category.Length] == '.'))
                {
                    return level;
                }
            }

            return self._default;
        }, this);
    }
}
