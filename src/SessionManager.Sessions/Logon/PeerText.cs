namespace SessionManager.Sessions.Logon;

/// <summary>
/// Text a peer sends about its client (host name, address, the user name typed), made fit for
/// where the daemon puts it: a backend's environment and argv, the launcher's frames (which carry
/// NUL-terminated fields) and log lines. Control characters are dropped and the length capped, so
/// that no RDS request can make a backend start fail or a log line lie about its own end.
/// </summary>
public static class PeerText
{
    /// <summary>Longest host name, address or user name kept (Linux user names are at most 32; RDP
    /// client names 15; an IPv6 address with zone well under this).</summary>
    public const int MaxLength = 255;

    public static string Clean(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value.Length <= MaxLength && !value.AsSpan().ContainsAnyInRange('\0', '\u001f') && !value.Contains('\u007f', StringComparison.Ordinal))
        {
            return value; // the common case: nothing to copy
        }

        var kept = new System.Text.StringBuilder(Math.Min(value.Length, MaxLength));
        foreach (char c in value)
        {
            if (kept.Length == MaxLength)
            {
                break;
            }

            if (!char.IsControl(c))
            {
                kept.Append(c);
            }
        }

        return kept.ToString();
    }
}
