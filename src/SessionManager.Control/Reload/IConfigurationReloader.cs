namespace SessionManager.Control.Reload;

/// <summary>What <c>smctl reload</c> does. The daemon's own reload replaces the default at merge.</summary>
public interface IConfigurationReloader
{
    /// <returns>Whether the reload was done (or requested), and one line saying what happened.</returns>
    Task<ReloadResult> ReloadAsync(CancellationToken cancellationToken);
}

/// <param name="Done">true: reloaded or requested; false: nothing was done (<paramref name="Message"/> says why).</param>
public sealed record ReloadResult(bool Done, string Message);
