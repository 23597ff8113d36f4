using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace SessionManager.IntegrationTests.Support;

/// <summary>Keeps every log event of one daemon so tests can assert on what operators would read.</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);

    public IReadOnlyList<LogEvent> Events => [.. _events];

    public IEnumerable<LogEvent> WithEventName(string name) =>
        _events.Where(e => e.Properties.TryGetValue("EventId", out var id)
            && id is StructureValue s
            && s.Properties.Any(p => p.Name == "Name" && p.Value is ScalarValue { Value: string n } && n == name));

    /// <summary>Waits (generously: CI machines are slow) until an event with that name is logged.</summary>
    public async Task<LogEvent> WaitForAsync(string eventName, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            if (WithEventName(eventName).FirstOrDefault() is { } found)
            {
                return found;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"no '{eventName}' log event; logged: {string.Join(", ", _events.Select(e => e.MessageTemplate.Text))}");
    }
}
