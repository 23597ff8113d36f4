using System.Collections.Concurrent;
using System.Text.Json;

namespace SessionManager.Fuzz.Daemon;

/// <summary>
/// The daemon's captured output: every line kept in a file, and counted as it arrives by level
/// and, for warnings and worse, by event name, so a run can say what the daemon complained of.
/// </summary>
public sealed class DaemonLog : IDisposable
{
    private readonly StreamWriter _file;
    private readonly Lock _fileLock = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private long _lines;
    private long _unhandled;

    public DaemonLog(string path)
    {
        Path = path;
        _file = new StreamWriter(path) { AutoFlush = false };
    }

    public string Path { get; }

    public long Lines => Interlocked.Read(ref _lines);

    /// <summary>Lines saying "Unhandled exception" (an exception escaping to the runtime), stdout or stderr.</summary>
    public long UnhandledExceptions => Interlocked.Read(ref _unhandled);

    /// <summary>Lines per level (Information for the lines without "@l", as compact JSON leaves it out).</summary>
    public ConcurrentDictionary<string, long> ByLevel { get; } = new(StringComparer.Ordinal);

    /// <summary>Warning, Error and Fatal lines by "level EventName" (the message template when there is no EventId).</summary>
    public ConcurrentDictionary<string, long> Complaints { get; } = new(StringComparer.Ordinal);

    /// <summary>The first Error/Fatal lines as written (the unexpected ones), to show in a report.</summary>
    public ConcurrentQueue<string> FirstErrors { get; } = new();

    public IReadOnlyCollection<string> StderrLines => _stderr;

    public long Count(string level) => ByLevel.TryGetValue(level, out long n) ? n : 0;

    public void OnStdout(string line)
    {
        Write(line);
        Interlocked.Increment(ref _lines);
        if (line.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase))
        {
            Interlocked.Increment(ref _unhandled);
        }

        string level = "Information";
        string? what = null;
        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            if (root.TryGetProperty("@l", out var l))
            {
                level = l.GetString() ?? level;
            }

            if (level is "Warning" or "Error" or "Fatal")
            {
                what = root.TryGetProperty("EventId", out var id) && id.TryGetProperty("Name", out var name)
                    ? name.GetString()
                    : root.TryGetProperty("@mt", out var template) ? template.GetString() : null;
            }
        }
        catch (JsonException)
        {
            level = "not JSON";
        }

        ByLevel.AddOrUpdate(level, 1, (_, n) => n + 1);
        if (what is not null)
        {
            Complaints.AddOrUpdate($"{level} {what}", 1, (_, n) => n + 1);
        }

        if (level is "Error" or "Fatal" && FirstErrors.Count < 10 && !FuzzReport.ExpectedErrors.Contains($"{level} {what}"))
        {
            FirstErrors.Enqueue(line.Length > 2000 ? line[..2000] : line);
        }
    }

    public void OnStderr(string? line)
    {
        if (string.IsNullOrEmpty(line))
        {
            return;
        }

        Write("stderr: " + line);
        if (line.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase))
        {
            Interlocked.Increment(ref _unhandled);
        }

        if (_stderr.Count < 50)
        {
            _stderr.Enqueue(line);
        }
    }

    private void Write(string line)
    {
        lock (_fileLock)
        {
            _file.WriteLine(line);
        }
    }

    public void Dispose()
    {
        lock (_fileLock)
        {
            _file.Dispose();
        }
    }
}
