using Microsoft.Extensions.Options;

namespace SessionManager.Sessions.Launcher;

/// <summary>Start-up checks of <c>Launcher:*</c>; each failure is one line naming the key.</summary>
internal sealed class LauncherOptionsValidator : IValidateOptions<LauncherOptions>
{
    // sockaddr_un holds 108 bytes: the directory plus "/launcher-<32 hex>.sock" must fit.
    internal const int MaxStateDirectoryLength = 60;

    public ValidateOptionsResult Validate(string? name, LauncherOptions o)
    {
        var errors = new List<string>();
        if (!o.StateDirectory.StartsWith('/') || o.StateDirectory.Length > MaxStateDirectoryLength || o.StateDirectory.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add($"Launcher:StateDirectory: must be an absolute path of at most {MaxStateDirectoryLength} characters (got '{o.StateDirectory}')");
        }

        if (o.Path.Length > 0 && !o.Path.StartsWith('/'))
        {
            errors.Add($"Launcher:Path: must be an absolute path, or empty for sm-launcher beside the daemon (got '{o.Path}')");
        }

        CheckSpan(errors, "Launcher:StartTimeout", o.StartTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        CheckSpan(errors, "Launcher:ConnectDeadline", o.ConnectDeadline, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        CheckSpan(errors, "Launcher:StopTimeout", o.StopTimeout, TimeSpan.Zero, TimeSpan.FromHours(1));
        if (o.PoolSize is < 0 or > 256)
        {
            errors.Add($"Launcher:PoolSize: must be 0-256 (got {o.PoolSize})");
        }

        if (!IsPamPriority(o.PamPriority))
        {
            errors.Add($"Launcher:PamPriority: must be '{LauncherOptions.IdlePriority}' or a niceness 0-19 (got '{o.PamPriority}')");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Exactly what sm-spawner and sm-launcher accept: <c>idle</c>, or a plain decimal 0-19.</summary>
    private static bool IsPamPriority(string value) =>
        value == LauncherOptions.IdlePriority ||
        (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int nice) &&
         nice <= 19 && value == nice.ToString(System.Globalization.CultureInfo.InvariantCulture));

    internal static void CheckSpan(List<string> errors, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{key}: must be {min:c}-{max:c} (got {value:c})");
        }
    }
}

/// <summary>Start-up checks of <c>Auth:*</c>.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions o)
    {
        var errors = new List<string>();
        // A PAM service is a file name in /etc/pam.d.
        if (o.PamService.Length is 0 or > 64 || o.PamService.Contains('/', StringComparison.Ordinal) || o.PamService.StartsWith('.'))
        {
            errors.Add($"Auth:PamService: must be a file name in /etc/pam.d, 1-64 characters (got '{o.PamService}')");
        }

        LauncherOptionsValidator.CheckSpan(errors, "Auth:Timeout", o.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        if (o.MaxConcurrent is < 1 or > 1024)
        {
            errors.Add($"Auth:MaxConcurrent: must be 1-1024 (got {o.MaxConcurrent})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
