using Microsoft.Extensions.Options;

namespace SessionManager.Sessions.Security;

/// <summary>Start-up checks of Auth:MaxFailures, Auth:FailureWindow and Auth:MaxFailureEntries, one line each naming the key.</summary>
internal sealed class AuthThrottleOptionsValidator : IValidateOptions<AuthThrottleOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthThrottleOptions o)
    {
        var errors = new List<string>();
        if (o.MaxFailures is < 1 or > 1000)
        {
            errors.Add($"Auth:MaxFailures: must be 1-1000 (got {o.MaxFailures})");
        }

        if (o.FailureWindow <= TimeSpan.Zero || o.FailureWindow > TimeSpan.FromDays(1))
        {
            errors.Add($"Auth:FailureWindow: must be more than 0 and at most 1.00:00:00 (got {o.FailureWindow})");
        }

        if (o.MaxFailureEntries is < 100 or > 10_000_000)
        {
            errors.Add($"Auth:MaxFailureEntries: must be 100-10000000 (got {o.MaxFailureEntries})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
