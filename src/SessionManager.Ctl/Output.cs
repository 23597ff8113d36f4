using System.Globalization;
using System.Text;
using SessionManager.Control.Protocol;

namespace SessionManager.Ctl;

/// <summary>smctl's human-readable output, in loginctl's manner: tables with a header and a count line.</summary>
internal static class Output
{
    public static string Time(DateTimeOffset? t) =>
        t is { } v ? v.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-";

    public static string Duration(double seconds)
    {
        var t = TimeSpan.FromSeconds(seconds);
        return t.TotalDays >= 1 ? $"{(int)t.TotalDays}d {t.Hours}h {t.Minutes}min"
            : t.TotalHours >= 1 ? $"{t.Hours}h {t.Minutes}min"
            : t.TotalMinutes >= 1 ? $"{t.Minutes}min {t.Seconds}s"
            : $"{t.Seconds}s";
    }

    public static string Status(DaemonStatus s)
    {
        var link = s.Link;
        string linkText = link.Connected
            ? $"connected, peer pid {link.PeerPid} uid {link.PeerUid}, protocol {link.Protocol ?? "?"}, generation {link.Generation}, since {Time(link.Since)}"
            : $"DOWN{(link.Since is { } since ? $" since {Time(since)}" : " (never connected)")}, generation {link.Generation}";
        string states = string.Join(", ", s.SessionsByState.Where(kv => kv.Value > 0).Select(kv => $"{kv.Value} {kv.Key}"));
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"SessionManager {s.Version}");
        text.AppendLine(CultureInfo.InvariantCulture, $"       Uptime: {Duration(s.UptimeSeconds)} (since {Time(s.StartedAt)})");
        text.AppendLine(CultureInfo.InvariantCulture, $"     RDS link: {linkText}");
        text.AppendLine(CultureInfo.InvariantCulture, $"     Sessions: {s.SessionCount}{(states.Length > 0 ? $" ({states})" : "")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"    Launchers: {s.LauncherPool.Idle} idle of {s.LauncherPool.Size} (Launcher:PoolSize)");
        text.AppendLine(CultureInfo.InvariantCulture, $"Pending calls: {s.PendingCalls}");
        text.Append(CultureInfo.InvariantCulture, $"     Draining: {(s.Draining ? "yes: new logons are refused" : "no")}");
        return text.ToString();
    }

    public static string Sessions(IReadOnlyList<SessionView> sessions, bool legend)
    {
        var rows = sessions.Select(s => new[]
        {
            s.Id.ToString(CultureInfo.InvariantCulture),
            s.Greeter ? $"({s.User ?? "-"}: greeter)" : s.User ?? "-",
            s.State,
            s.Backend,
            s.Display is { } d ? $":{d}" : "-",
            s.ClientAddress.Length > 0 || s.ClientHost.Length > 0 ? $"{s.ClientHost}{(s.ClientAddress.Length > 0 ? $" ({s.ClientAddress})" : "")}" : "-",
            Time(s.ConnectionId is null ? s.DisconnectedAt ?? s.CreatedAt : s.ConnectedAt ?? s.CreatedAt),
        }).ToList();
        return Table(["SESSION", "USER", "STATE", "BACKEND", "DISPLAY", "CLIENT", "SINCE"], rows, legend, $"{sessions.Count} session{(sessions.Count == 1 ? "" : "s")} listed.");
    }

    public static string Users(IReadOnlyList<UserView> users, bool legend) =>
        Table(["UID", "USER", "SESSIONS"],
            [.. users.Select(u => new[] { u.Uid?.ToString(CultureInfo.InvariantCulture) ?? "-", u.User, string.Join(" ", u.SessionIds) })],
            legend, $"{users.Count} user{(users.Count == 1 ? "" : "s")} listed.");

    /// <summary>Every property of a session, in show-session's NAME=VALUE form.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Properties(SessionView s) =>
    [
        new("Id", s.Id.ToString(CultureInfo.InvariantCulture)),
        new("User", s.User ?? ""),
        new("TypedUser", s.TypedUser ?? ""),
        new("State", s.State),
        new("Greeter", s.Greeter ? "yes" : "no"),
        new("Backend", s.Backend),
        new("WinStation", s.WinStation),
        new("Display", s.Display?.ToString(CultureInfo.InvariantCulture) ?? ""),
        new("Pipe", s.Pipe),
        new("BackendPid", s.BackendPid?.ToString(CultureInfo.InvariantCulture) ?? ""),
        new("ConnectionId", s.ConnectionId?.ToString(CultureInfo.InvariantCulture) ?? ""),
        new("ClientHost", s.ClientHost),
        new("ClientAddress", s.ClientAddress),
        new("ClientWidth", s.ClientWidth.ToString(CultureInfo.InvariantCulture)),
        new("ClientHeight", s.ClientHeight.ToString(CultureInfo.InvariantCulture)),
        new("ColorDepth", s.ColorDepth.ToString(CultureInfo.InvariantCulture)),
        new("MaxWidth", s.MaxWidth.ToString(CultureInfo.InvariantCulture)),
        new("MaxHeight", s.MaxHeight.ToString(CultureInfo.InvariantCulture)),
        new("Created", Time(s.CreatedAt)),
        new("Connected", Time(s.ConnectedAt)),
        new("Disconnected", Time(s.DisconnectedAt)),
        new("Groups", string.Join(" ", s.Groups)),
    ];

    private static string Table(string[] header, List<string[]> rows, bool legend, string footer)
    {
        int[] widths = [.. header.Select((h, i) => Math.Max(legend ? h.Length : 0, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length)))];
        var text = new StringBuilder();
        void Line(string[] cells) => text.AppendLine(string.Join(" ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd());
        if (legend)
        {
            Line(header);
        }

        rows.ForEach(Line);
        if (legend)
        {
            text.AppendLine().AppendLine(footer);
        }

        return text.ToString().TrimEnd('\n');
    }
}
