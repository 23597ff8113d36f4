using System.Collections.Concurrent;

namespace SessionManager.Fuzz;

/// <summary>What was sent and what happened, counted from every worker at once.</summary>
public sealed class FuzzCounters
{
    private long _icpFrames;
    private long _thriftMessages;

    public long IcpFrames => Interlocked.Read(ref _icpFrames);

    public long ThriftMessages => Interlocked.Read(ref _thriftMessages);

    /// <summary>Named counts (connections, stalls, mutation kinds, ...), printed in the summary.</summary>
    public ConcurrentDictionary<string, long> Named { get; } = new(StringComparer.Ordinal);

    public void AddIcpFrames(long count) => Interlocked.Add(ref _icpFrames, count);

    public void AddThriftMessages(long count) => Interlocked.Add(ref _thriftMessages, count);

    public void Count(string what, long by = 1) => Named.AddOrUpdate(what, by, (_, n) => n + by);

    public long Get(string what) => Named.TryGetValue(what, out long n) ? n : 0;
}
