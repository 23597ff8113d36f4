namespace SessionManager.Sessions.Backends;

/// <summary>One <c>Backends:&lt;name&gt;</c> section: how a session's backend is started.</summary>
public sealed class BackendOptions
{
    /// <summary>argv; placeholders {SessionId} {Endpoint} {EndpointPath} {Display} {Width} {Height} {ColorDepth} {User}.</summary>
    public List<string> Command { get; set; } = [];

    /// <summary>Pipe-name pattern of its endpoint, e.g. <c>ogon_{Display}_X11</c>.</summary>
    public string Endpoint { get; set; } = "ogon_{SessionId}_Backend";

    /// <summary>Empty: the session's user; otherwise a fixed account (never root unless set so explicitly).</summary>
    public string User { get; set; } = "";

    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public Dictionary<string, string> Environment { get; set; } = [];

    /// <summary>First X display number tried for {Display}.</summary>
    public int DisplayOffset { get; set; } = 10;

    /// <summary>Whether the command or the endpoint uses {Display} (then a display number is allocated).</summary>
    public bool UsesDisplay => Endpoint.Contains("{Display}", StringComparison.Ordinal) || Command.Any(a => a.Contains("{Display}", StringComparison.Ordinal));
}
