using System.Globalization;
using System.Text;

namespace SessionManager.Sessions.Backends;

/// <summary>The values a backend's command, endpoint and environment may name as {Placeholder}.</summary>
public sealed record Placeholders(int SessionId, string Endpoint, string EndpointPath, int? Display, int Width, int Height, int ColorDepth, string User)
{
    public string Fill(string pattern)
    {
        if (!pattern.Contains('{', StringComparison.Ordinal))
        {
            return pattern;
        }

        var text = new StringBuilder(pattern);
        text.Replace("{SessionId}", SessionId.ToString(CultureInfo.InvariantCulture))
            .Replace("{EndpointPath}", EndpointPath)
            .Replace("{Endpoint}", Endpoint)
            .Replace("{Display}", Display?.ToString(CultureInfo.InvariantCulture) ?? "")
            .Replace("{Width}", Width.ToString(CultureInfo.InvariantCulture))
            .Replace("{Height}", Height.ToString(CultureInfo.InvariantCulture))
            .Replace("{ColorDepth}", ColorDepth.ToString(CultureInfo.InvariantCulture))
            .Replace("{User}", User);
        return text.ToString();
    }
}
