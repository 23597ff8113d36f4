namespace SessionManager.Icp.Hosting;

/// <summary>
/// One of the daemon's own loops as the systemd watchdog sees it (Hosting/Watchdog in the
/// daemon): it pings only while every probe answers.
/// </summary>
public interface ILivenessProbe
{
    /// <summary>Names the loop in the watchdog's log line.</summary>
    string Name { get; }

    /// <summary>Starts a round: what must happen before <see cref="Answered"/> says true.</summary>
    void Post();

    /// <summary>Whether the loop has shown it is alive since <see cref="Post"/>.</summary>
    bool Answered { get; }
}

/// <summary>
/// A loop that waits for input (accept, read) and then works on it. Waiting is healthy however
/// long it lasts (nobody connects: nothing to do); a loop answers a probe when it is waiting or
/// has gone round since the probe was posted, and fails it when one piece of work has lasted
/// the whole round (an accept callback or a frame that never returns).
/// </summary>
public sealed class LoopActivity(string name) : ILivenessProbe
{
    private long _rounds;
    private long _roundsAtPost;
    private int _working;

    public string Name => name;

    /// <summary>The loop is about to wait for input.</summary>
    public void Waiting()
    {
        Interlocked.Increment(ref _rounds);
        Volatile.Write(ref _working, 0);
    }

    /// <summary>The loop has input and works on it.</summary>
    public void Working() => Volatile.Write(ref _working, 1);

    public void Post() => Volatile.Write(ref _roundsAtPost, Interlocked.Read(ref _rounds));

    public bool Answered => Volatile.Read(ref _working) == 0 || Interlocked.Read(ref _rounds) != Volatile.Read(ref _roundsAtPost);
}
