namespace SessionManager.Sessions.Backends;

/// <summary>
/// Free X display numbers: n is free when there is no <c>/tmp/.X&lt;n&gt;-lock</c>, no
/// <c>/tmp/.X11-unix/X&lt;n&gt;</c>, and no session holds it (or is about to).
/// </summary>
public sealed class DisplayAllocator
{
    private readonly Lock _sync = new();
    private readonly HashSet<int> _held = [];

    public int Allocate(int offset)
    {
        lock (_sync)
        {
            for (int n = offset; n < offset + 10_000; n++)
            {
                if (!_held.Contains(n) && !File.Exists($"/tmp/.X{n}-lock") && !File.Exists($"/tmp/.X11-unix/X{n}"))
                {
                    _held.Add(n);
                    return n;
                }
            }
        }

        throw new InvalidOperationException($"no free X display number from {offset}");
    }

    public void Release(int display)
    {
        lock (_sync)
        {
            _held.Remove(display);
        }
    }
}
