namespace SessionManager.Sessions.Registry;

/// <summary>
/// A session as the rest of the daemon sees it: an immutable snapshot of plain values (no live
/// objects), so it can be logged, served over fdsapi and, later, persisted.
/// </summary>
public sealed record SessionRecord
{
    public required int Id { get; init; }

    public required SessionState State { get; init; }

    /// <summary>The account the backend runs as (the user; for a greeter its fixed account).</summary>
    public required string? User { get; init; }

    /// <summary>For a greeter: the name typed in the RDP client, if any.</summary>
    public string? TypedUser { get; init; }

    public required bool IsGreeter { get; init; }

    /// <summary>The user's groups as PAM's account gave them (permission levels are per group).</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>The <c>Backends:&lt;name&gt;</c> it runs.</summary>
    public required string Backend { get; init; }

    /// <summary>WinPR pipe name of the backend's endpoint (serviceEndpoint without <c>\\.\pipe\</c>).</summary>
    public required string PipeName { get; init; }

    public required string BackendCookie { get; init; }

    public required string OgonCookie { get; init; }

    /// <summary>The ICP connection it is attached to; null when disconnected.</summary>
    public uint? ConnectionId { get; init; }

    public int? Display { get; init; }

    public int? BackendPid { get; init; }

    public required int MaxWidth { get; init; }

    public required int MaxHeight { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? ConnectedAt { get; init; }

    public DateTimeOffset? DisconnectedAt { get; init; }

    public required ClientInfo Client { get; init; }

    /// <summary>WinStation name: <c>&lt;backend&gt;:&lt;display or pid&gt;</c>.</summary>
    public string WinStationName => $"{Backend}:{(Display?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? BackendPid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "")}";
}

/// <summary>What the RDP client said about itself in LogonUser (SESSIONS.md §2.1).</summary>
public sealed record ClientInfo(
    string HostName,
    string Address,
    int Width,
    int Height,
    int ColorDepth,
    uint BuildNumber,
    uint ProductId,
    uint HardwareId,
    uint ProtocolType)
{
    public static ClientInfo None { get; } = new("", "", 0, 0, 0, 0, 0, 0, 0);
}
