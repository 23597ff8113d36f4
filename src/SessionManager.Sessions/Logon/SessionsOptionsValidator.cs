using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SessionManager.Sessions.Backends;
using SessionManager.Sessions.Policies;

namespace SessionManager.Sessions.Logon;

/// <summary>
/// Start-up checks of <c>Sessions:*</c>, the per-group and per-user policies, and the backends
/// they name; each failure is one line naming its key.
/// </summary>
internal sealed class SessionsOptionsValidator(IConfiguration configuration) : IValidateOptions<SessionsOptions>
{
    public ValidateOptionsResult Validate(string? name, SessionsOptions o)
    {
        _ = PolicyBook.Read(configuration, out var errors);
        var backends = new BackendCatalog(configuration);
        errors.AddRange(backends.Problems());
        errors.AddRange(new Security.PermissionBook(configuration).Problems());

        var global = PolicyBook.Read(configuration, out _).Global;
        if (backends.Find(global.Backend) is null)
        {
            errors.Add($"Sessions:Backend: no backend named '{global.Backend}' (configure Backends:{global.Backend})");
        }

        if (global.Greeter.Length > 0 && backends.Find(global.Greeter) is null)
        {
            errors.Add($"Sessions:Greeter: no backend named '{global.Greeter}' (configure Backends:{global.Greeter}, or set it empty for no greeter)");
        }

        if (o.LogonBudget <= TimeSpan.Zero || o.LogonBudget >= TimeSpan.FromSeconds(10))
        {
            errors.Add($"Sessions:LogonBudget: must be more than 0 and less than the RDS server's 00:00:10 (got {o.LogonBudget})");
        }

        if (o.OnShutdown is not ("logoff" or "keep"))
        {
            errors.Add($"Sessions:OnShutdown: must be logoff or keep (got '{o.OnShutdown}')");
        }

        if (!Path.IsPathRooted(o.TokenDirectory))
        {
            errors.Add($"Sessions:TokenDirectory: must be an absolute path (got '{o.TokenDirectory}')");
        }

        if (o.LogoffTimeout <= TimeSpan.Zero || o.LogoffTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add($"Sessions:LogoffTimeout: must be more than 0 and at most 00:01:00 (got {o.LogoffTimeout})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
