namespace SessionManager.Sessions.Backends;

/// <summary>Configuration section <c>Pipes</c>: where WinPR maps <c>\\.\pipe\&lt;name&gt;</c> (SESSIONS.md §2.3).</summary>
public sealed class PipesOptions
{
    public const string SectionName = "Pipes";

    public const string WinPrPrefix = @"\\.\pipe\";

    public string Directory { get; set; } = "/tmp/.pipe";

    public string PathOf(string pipeName) => Path.Combine(Directory, pipeName);
}
