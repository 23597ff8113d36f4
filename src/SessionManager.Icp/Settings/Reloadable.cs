using Microsoft.Extensions.Options;

namespace SessionManager.Icp.Settings;

/// <summary>
/// A setting that follows reloads (SIGHUP): <see cref="CurrentValue"/> is the value of the
/// generation in use. Consumers take it as <see cref="IOptionsMonitor{T}"/> and read it where
/// they use it, once per unit of work (a logon keeps the policy it started with). What must not
/// change under a running daemon (socket paths, ports, TLS files) stays on <see cref="IOptions{T}"/>,
/// which keeps the value read at start.
/// </summary>
public sealed class Reloadable<T>(SettingsGenerations generations, Func<T> initial) : IOptionsMonitor<T>, IReloadable
    where T : class
{
    private readonly Lazy<T> _initial = new(initial);

    public T CurrentValue => generations.TryGet<T>(out var value) ? value : _initial.Value;

    public Type ValueType => typeof(T);

    public object Current => CurrentValue;

    public T Get(string? name) => CurrentValue;

    /// <summary>Not used: readers read <see cref="CurrentValue"/> at use instead of being called back.</summary>
    public IDisposable? OnChange(Action<T, string?> listener) => null;
}

public static class Reloadable
{
    /// <summary>A value that never changes (for code built without a host, e.g. unit tests).</summary>
    public static Reloadable<T> Fixed<T>(T value)
        where T : class => new(new SettingsGenerations(), () => value);
}

/// <summary>One reloadable setting, whatever its type: what the reload coordinator enumerates.</summary>
public interface IReloadable
{
    Type ValueType { get; }

    /// <summary>The value in use (in a candidate service provider: the value read from the new files).</summary>
    object Current { get; }
}
