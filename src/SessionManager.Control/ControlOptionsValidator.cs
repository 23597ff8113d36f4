using Microsoft.Extensions.Options;
using SessionManager.Icp.Hosting;

namespace SessionManager.Control;

internal sealed class ControlOptionsValidator : IValidateOptions<ControlOptions>
{
    public const string SocketKey = "Control:SocketPath";

    public ValidateOptionsResult Validate(string? name, ControlOptions o)
    {
        var errors = new List<string>();
        if (SocketPathRules.Problem(o.SocketPath, SocketKey) is { } problem)
        {
            errors.Add(problem);
        }

        // A name, not a gid or a list: what getgrnam would accept (no ':', ',' or blanks).
        if (o.AdminGroup.Length > 0 && (o.AdminGroup.Length > 64 || o.AdminGroup.Any(c => c is ':' or ',' || char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            errors.Add($"Control:AdminGroup: must be a group name, or empty for root only (got '{o.AdminGroup}')");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
