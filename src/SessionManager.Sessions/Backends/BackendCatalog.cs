using Microsoft.Extensions.Configuration;

namespace SessionManager.Sessions.Backends;

/// <summary>
/// The configured backends. Shipped defaults match an ogon host: <c>desktop</c> starts ogon's X
/// backend on {Display} and then the user's session script (as ogon's X11 module does);
/// <c>greeter</c> starts ogon's Qt greeter as <c>nobody</c>. Configuration replaces a default
/// whole when it sets its Command.
/// </summary>
public sealed class BackendCatalog
{
    public const string SectionName = "Backends";

    private readonly Dictionary<string, BackendOptions> _backends;

    public BackendCatalog(IConfiguration configuration)
    {
        _backends = new(StringComparer.Ordinal)
        {
            ["desktop"] = new BackendOptions
            {
                Command = ["/bin/sh", "-c", "ogon-backend-x :{Display} -geometry {Width}x{Height} -depth {ColorDepth} & export DISPLAY=:{Display}; exec ogonXsession"],
                Endpoint = "ogon_{Display}_X11",
            },
            ["greeter"] = new BackendOptions
            {
                Command = ["ogon-qt-greeter", "-platform", "ogon"],
                Endpoint = "ogon_{SessionId}_Qt",
                User = "nobody",
            },
        };

        foreach (var section in configuration.GetSection(SectionName).GetChildren())
        {
            var options = new BackendOptions();
            if (_backends.TryGetValue(section.Key, out var shipped) && !section.GetSection(nameof(BackendOptions.Command)).Exists())
            {
                options.Command = [.. shipped.Command];
                options.Endpoint = shipped.Endpoint;
                options.User = shipped.User;
            }

            section.Bind(options);
            _backends[section.Key] = options;
        }
    }

    public IReadOnlyDictionary<string, BackendOptions> All => _backends;

    public BackendOptions? Find(string name) => _backends.GetValueOrDefault(name);

    /// <summary>Problems of the configured backends, one line each naming the key.</summary>
    public IEnumerable<string> Problems()
    {
        foreach (var (name, b) in _backends)
        {
            if (b.Command.Count == 0 || string.IsNullOrWhiteSpace(b.Command[0]))
            {
                yield return $"Backends:{name}:Command: must name a program";
            }

            if (string.IsNullOrWhiteSpace(b.Endpoint) || b.Endpoint.Contains('/', StringComparison.Ordinal))
            {
                yield return $"Backends:{name}:Endpoint: must be a pipe name without '/' (got '{b.Endpoint}')";
            }

            if (b.StartTimeout <= TimeSpan.Zero || b.StartTimeout > TimeSpan.FromMinutes(1))
            {
                yield return $"Backends:{name}:StartTimeout: must be more than 0 and at most 00:01:00 (got {b.StartTimeout})";
            }

            if (b.StopTimeout < TimeSpan.Zero || b.StopTimeout > TimeSpan.FromMinutes(5))
            {
                yield return $"Backends:{name}:StopTimeout: must be 00:00:00-00:05:00 (got {b.StopTimeout})";
            }

            if (b.DisplayOffset is < 0 or > 65000)
            {
                yield return $"Backends:{name}:DisplayOffset: must be 0-65000 (got {b.DisplayOffset})";
            }
        }
    }
}
