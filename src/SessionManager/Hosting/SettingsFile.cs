using Microsoft.Extensions.Configuration;

namespace SessionManager.Hosting;

/// <summary>
/// Which JSON file holds the settings: <c>Config:File</c> from the environment
/// (<c>Config__File=…</c>) or the command line (<c>--Config:File=…</c>), else appsettings.json
/// beside the binary (a package may link that to /etc). A named file must exist; the default
/// one may be missing (class defaults then).
/// </summary>
internal static class SettingsFile
{
    public const string Key = "Config:File";

    public static string Default => Path.Combine(AppContext.BaseDirectory, "appsettings.json");

    /// <summary>The file named by Config:File, or null.</summary>
    /// <exception cref="FormatException">the command line is malformed (reported as such by <see cref="DaemonRunner"/>).</exception>
    public static string? Named(string[] args)
    {
        var early = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        return early[Key] is { Length: > 0 } file ? Path.GetFullPath(file) : null;
    }
}
