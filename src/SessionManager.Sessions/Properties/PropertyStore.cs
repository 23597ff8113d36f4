using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionManager.Sessions.Tls;

namespace SessionManager.Sessions.Properties;

/// <summary>
/// What the RDS server asks with the Property calls (SESSIONS.md §6): values from
/// <c>Properties:&lt;path&gt;</c> in configuration, the defaults of the ten paths the ogon RDS asks,
/// and the virtual <c>current.connection.*</c> paths of a connection. Paths are case-insensitive.
/// </summary>
public sealed partial class PropertyStore
{
    public const string SectionName = "Properties";

    private readonly IConfiguration _configuration;
    private readonly TlsOptions _tls;
    private readonly ILogger<PropertyStore> _logger;
    private readonly ConcurrentDictionary<string, byte> _reportedBadValues = new(StringComparer.OrdinalIgnoreCase);

    public PropertyStore(IConfiguration configuration, IOptions<TlsOptions> tls, ILogger<PropertyStore> logger)
    {
        _configuration = configuration.GetSection(SectionName);
        _tls = tls.Value;
        _logger = logger;
    }

    /// <summary>The connection's geometry, for current.connection.*; set by the session registry.</summary>
    public Func<uint, ConnectionGeometry?> Geometry { get; set; } = static _ => null;

    public bool TryGetString(uint connectionId, string path, out string value)
    {
        if (Lookup(path) is { } text)
        {
            value = text;
            return true;
        }

        if (TryVirtual(connectionId, path, out int number))
        {
            value = number.ToString(CultureInfo.InvariantCulture);
            return true;
        }

        value = "";
        return false;
    }

    public bool TryGetBool(uint connectionId, string path, out bool value)
    {
        value = false;
        var text = Lookup(path);
        if (text is null)
        {
            return false;
        }

        if (PropertyValueParser.TryParseBool(text, out value))
        {
            return true;
        }

        ReportBadValue(path, text, "a boolean (true/false, yes/no, 1/0)");
        return false;
    }

    public bool TryGetNumber(uint connectionId, string path, out int value)
    {
        if (TryVirtual(connectionId, path, out value))
        {
            return true;
        }

        var text = Lookup(path);
        if (text is null)
        {
            return false;
        }

        if (PropertyValueParser.TryParseNumber(text, out value))
        {
            return true;
        }

        ReportBadValue(path, text, "a 32-bit number");
        return false;
    }

    private string? Lookup(string path)
    {
        if (_configuration[path] is { } configured)
        {
            return configured;
        }

        return path.ToLowerInvariant() switch
        {
            "ssl.certificate" => _tls.CertificatePath,
            "ssl.key" => _tls.KeyPath,
            "tcp.keepalive.params" => "-1,-1",
            "ogon.forceweakrdpkey" or "ogon.showdebuginfo" or "ogon.disablegraphicspipeline" or "ogon.disablegraphicspipelineh264"
                or "ogon.enablefullavc444" or "ogon.restrictavc444" => "false",
            "ogon.bitrate" => "0",
            _ => null,
        };
    }

    private bool TryVirtual(uint connectionId, string path, out int value)
    {
        value = 0;
        const string prefix = "current.connection.";
        if (!path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || Geometry(connectionId) is not { } g)
        {
            return false;
        }

        int? found = path[prefix.Length..].ToLowerInvariant() switch
        {
            "xres" => g.Width,
            "yres" => g.Height,
            "colordepth" => g.ColorDepth,
            "initialxres" => g.InitialWidth,
            "initialyres" => g.InitialHeight,
            _ => null,
        };
        value = found ?? 0;
        return found is not null;
    }

    private void ReportBadValue(string path, string text, string expected)
    {
        // Once per path: the RDS asks on every connection.
        if (_reportedBadValues.TryAdd(path, 0))
        {
            PropertyValueUnparsable(_logger, path, text, expected);
        }
    }

    [LoggerMessage(3101, LogLevel.Warning, "Properties:{Path} = '{Value}' is not {Expected}: answered \"not found\"")]
    private static partial void PropertyValueUnparsable(ILogger logger, string path, string value, string expected);
}

/// <summary>A connection's display size: as asked by the client and as granted (SESSIONS.md §2.4).</summary>
public readonly record struct ConnectionGeometry(int Width, int Height, int ColorDepth, int InitialWidth, int InitialHeight);
