using Serilog.Events;

namespace SessionManager.IntegrationTests.Support;

public static class LogEventProperties
{
    /// <summary>A scalar property of a log event as text ("" if absent): what an operator's query would match.</summary>
    public static string Text(this LogEvent logEvent, string name) =>
        logEvent.Properties.TryGetValue(name, out var value) && value is ScalarValue { Value: { } v } ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "" : "";
}
