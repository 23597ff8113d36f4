namespace SessionManager.Control.Protocol;

public sealed class ControlRequest
{
    public int Version { get; set; } = ControlProtocol.Version;

    public ControlVerb Verb { get; set; }

    public int? SessionId { get; set; }

    /// <summary>logoff --user; list-sessions of one user.</summary>
    public string? User { get; set; }

    /// <summary>logoff --all.</summary>
    public bool All { get; set; }

    /// <summary>kill: a name of <see cref="ControlProtocol.AllowedSignals"/> (SIG prefix optional).</summary>
    public string? Signal { get; set; }

    public string? Title { get; set; }

    public string? Text { get; set; }
}

public sealed class ControlResponse
{
    public int Version { get; set; } = ControlProtocol.Version;

    public ControlOutcome Outcome { get; set; }

    /// <summary>One line for the operator when <see cref="Outcome"/> is not Ok.</summary>
    public string? Error { get; set; }

    /// <summary>What an action did, one line (e.g. "session 3 disconnected").</summary>
    public string? Message { get; set; }

    public DaemonStatus? Status { get; set; }

    public List<SessionView>? Sessions { get; set; }

    public List<UserView>? Users { get; set; }

    /// <summary>The sessions an action touched.</summary>
    public List<int>? SessionIds { get; set; }
}

public sealed class DaemonStatus
{
    public string Version { get; set; } = "";

    public DateTimeOffset StartedAt { get; set; }

    public double UptimeSeconds { get; set; }

    public RdsLinkView Link { get; set; } = new();

    public int SessionCount { get; set; }

    public Dictionary<string, int> SessionsByState { get; set; } = [];

    public LauncherPoolView LauncherPool { get; set; } = new();

    public int PendingCalls { get; set; }

    public bool Draining { get; set; }
}

public sealed class RdsLinkView
{
    public bool Connected { get; set; }

    public int? PeerPid { get; set; }

    public uint? PeerUid { get; set; }

    /// <summary>The RDS server's ICP version, "major.minor", as its handshake said.</summary>
    public string? Protocol { get; set; }

    public long Generation { get; set; }

    /// <summary>When the link came up (connected) or went down (not connected); null if never.</summary>
    public DateTimeOffset? Since { get; set; }
}

public sealed class LauncherPoolView
{
    public int Size { get; set; }

    public int Idle { get; set; }
}

public sealed class SessionView
{
    public int Id { get; set; }

    public string? User { get; set; }

    public string? TypedUser { get; set; }

    public string State { get; set; } = "";

    public bool Greeter { get; set; }

    public string Backend { get; set; } = "";

    public string WinStation { get; set; } = "";

    public int? Display { get; set; }

    public string Pipe { get; set; } = "";

    public int? BackendPid { get; set; }

    public uint? ConnectionId { get; set; }

    public string ClientHost { get; set; } = "";

    public string ClientAddress { get; set; } = "";

    public int ClientWidth { get; set; }

    public int ClientHeight { get; set; }

    public int ColorDepth { get; set; }

    public int MaxWidth { get; set; }

    public int MaxHeight { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ConnectedAt { get; set; }

    public DateTimeOffset? DisconnectedAt { get; set; }

    public List<string> Groups { get; set; } = [];
}

public sealed class UserView
{
    public string User { get; set; } = "";

    public uint? Uid { get; set; }

    public List<int> SessionIds { get; set; } = [];
}
