using Microsoft.Extensions.Configuration;
using Serilog.Events;

namespace SessionManager.Hosting;

public enum LogFormat
{
    Auto,
    Text,
    Json,
}

/// <summary>
/// The <c>Log</c> and <c>Serilog:MinimumLevel</c> settings, read once and checked without
/// throwing: logging is set up while the host is composed, where an exception would end the
/// process with a stack trace. A bad value falls back to its default here and is listed in
/// <see cref="Problems"/>, which <see cref="DaemonRunner"/> reports with every other mistake.
/// </summary>
public sealed class LogSettings
{
    private readonly List<string> _problems = [];

    private LogSettings()
    {
    }

    public LogFormat Format { get; private set; } = LogFormat.Auto;

    public bool Console { get; private set; } = true;

    public LogEventLevel DefaultLevel { get; private set; } = LogEventLevel.Information;

    public IReadOnlyDictionary<string, LogEventLevel> Overrides { get; private set; } = new Dictionary<string, LogEventLevel>();

    public IReadOnlyList<string> Problems => _problems;

    public static LogSettings Read(IConfiguration configuration)
    {
        var settings = new LogSettings();
        settings.Format = configuration["Log:Format"] is { } format ? settings.ParseFormat(format) : LogFormat.Auto;
        settings.Console = configuration["Log:Console"] is { } console ? settings.ParseBool(console, "Log:Console", true) : true;

        var levels = configuration.GetSection("Serilog:MinimumLevel");
        if ((levels["Default"] ?? levels.Value) is { } defaultLevel)
        {
            settings.DefaultLevel = settings.ParseLevel(defaultLevel, "Serilog:MinimumLevel:Default", LogEventLevel.Information);
        }

        var overrides = new Dictionary<string, LogEventLevel>(StringComparer.Ordinal);
        foreach (var category in levels.GetSection("Override").GetChildren())
        {
            overrides[category.Key] = settings.ParseLevel(category.Value ?? "", $"Serilog:MinimumLevel:Override:{category.Key}", LogEventLevel.Information);
        }

        settings.Overrides = overrides;
        return settings;
    }

    private LogFormat ParseFormat(string text)
    {
        switch (text.ToLowerInvariant())
        {
            case "auto":
                return LogFormat.Auto;
            case "text":
                return LogFormat.Text;
            case "json":
                return LogFormat.Json;
        }

        _problems.Add($"Log:Format: must be text, json or auto (got '{text}')");
        return LogFormat.Auto;
    }

    private bool ParseBool(string text, string key, bool fallback)
    {
        if (bool.TryParse(text, out bool value))
        {
            return value;
        }

        _problems.Add($"{key}: must be true or false (got '{text}')");
        return fallback;
    }

    private LogEventLevel ParseLevel(string text, string key, LogEventLevel fallback)
    {
        // char.IsLetter: Enum.TryParse also takes numbers ("7"), which are not a level name.
        if (text.Length > 0 && char.IsLetter(text[0]) && Enum.TryParse<LogEventLevel>(text, ignoreCase: true, out var level))
        {
            return level;
        }

        _problems.Add($"{key}: '{text}' is not a level (Verbose, Debug, Information, Warning, Error, Fatal)");
        return fallback;
    }
}
