using System.Text.Json.Serialization;

namespace SessionManager.Control.Protocol;

/// <summary>Source-generated: no reflection at either end (smctl starts fast; the daemon is trimming-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlResponse))]
public sealed partial class ControlJsonContext : JsonSerializerContext;

/// <summary>The same types, indented, for smctl's --json output.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
[JsonSerializable(typeof(ControlResponse))]
[JsonSerializable(typeof(DaemonStatus))]
[JsonSerializable(typeof(List<SessionView>))]
[JsonSerializable(typeof(SessionView))]
[JsonSerializable(typeof(List<UserView>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
public sealed partial class ControlOutputJsonContext : JsonSerializerContext;
