using System.Security.Cryptography;
using System.Text;

namespace SessionManager.Sessions.Security;

/// <summary>
/// Secrets (tokens) looked up without timing leaks: the table is keyed by the SHA-256 of the
/// secret, so a lookup takes the same time whatever prefix of a real token is guessed, and the
/// match is confirmed with a fixed-time comparison.
/// </summary>
internal sealed class SecretIndex<TValue>
{
    private readonly Lock _sync = new();
    private readonly Dictionary<string, (byte[] Secret, TValue Value)> _entries = new(StringComparer.Ordinal);

    /// <summary>Adds the secret; returns its entry's handle (the secret's digest, not the secret) for <see cref="RemoveEntry"/>.</summary>
    public string Add(string secret, TValue value)
    {
        string key = Key(secret);
        lock (_sync)
        {
            _entries[key] = (Encoding.UTF8.GetBytes(secret), value);
        }

        return key;
    }

    /// <summary>Removes the entry <see cref="Add"/> returned <paramref name="handle"/> for, at no cost that grows with the table.</summary>
    public bool RemoveEntry(string handle)
    {
        lock (_sync)
        {
            return _entries.Remove(handle);
        }
    }

    public bool TryGet(string? secret, out TValue value)
    {
        value = default!;
        if (string.IsNullOrEmpty(secret))
        {
            return false;
        }

        var bytes = Encoding.UTF8.GetBytes(secret);
        lock (_sync)
        {
            if (_entries.TryGetValue(Key(secret), out var entry) && CryptographicOperations.FixedTimeEquals(entry.Secret, bytes))
            {
                value = entry.Value;
                return true;
            }
        }

        return false;
    }

    public bool Remove(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || !TryGet(secret, out _))
        {
            return false;
        }

        lock (_sync)
        {
            return _entries.Remove(Key(secret));
        }
    }

    public int RemoveWhere(Func<TValue, bool> predicate)
    {
        lock (_sync)
        {
            var gone = _entries.Where(e => predicate(e.Value.Value)).Select(e => e.Key).ToList();
            foreach (var key in gone)
            {
                _entries.Remove(key);
            }

            return gone.Count;
        }
    }

    private static string Key(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
