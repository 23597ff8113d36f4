using System.Collections.Frozen;

namespace SessionManager.Icp.Settings;

/// <summary>
/// The settings the daemon runs with, one generation at a time. Generation 0 is what each
/// <see cref="Reloadable{T}"/> built at start; a reload that passed validation publishes every
/// reloadable value of the new generation with one reference swap, so a reader never sees a
/// policy of one file and a limit of another. Lives in the ICP library only because every part
/// of the daemon references it.
/// </summary>
public sealed class SettingsGenerations
{
    private Generation _current = new(0, FrozenDictionary<Type, object>.Empty);

    /// <summary>The number of the generation in use (0: the one read at start).</summary>
    public int Number => Volatile.Read(ref _current).Number;

    internal bool TryGet<T>(out T value)
        where T : class
    {
        if (Volatile.Read(ref _current).Values.TryGetValue(typeof(T), out var found))
        {
            value = (T)found;
            return true;
        }

        value = null!;
        return false;
    }

    /// <summary>Makes <paramref name="values"/> (one per reloadable type) the settings in use.</summary>
    public void Publish(IReadOnlyDictionary<Type, object> values)
    {
        var next = new Generation(Number + 1, values.ToFrozenDictionary());
        Volatile.Write(ref _current, next);
    }

    private sealed record Generation(int Number, FrozenDictionary<Type, object> Values);
}
