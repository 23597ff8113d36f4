using System.Text.Json;
using SessionManager.Control.Protocol;

namespace SessionManager.Ctl;

/// <summary>What each answer prints, and the exit code it gives.</summary>
internal static class Render
{
    private static ControlOutputJsonContext J => ControlOutputJsonContext.Default;

    public static int Error(ControlResponse response, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(response, J.ControlResponse));
        }

        Console.Error.WriteLine($"smctl: {response.Error ?? response.Outcome.ToString()}");
        return ExitCodes.Of(response.Outcome);
    }

    public static int Default(ControlResponse r, bool json, bool legend)
    {
        if (r.Status is { } status)
        {
            Console.WriteLine(json ? JsonSerializer.Serialize(status, J.DaemonStatus) : Output.Status(status));
            // For monitoring: the daemon answers, but without its RDS server it serves nobody.
            return status.Link.Connected ? ExitCodes.Ok : ExitCodes.LinkDown;
        }

        if (r.Sessions is { } sessions)
        {
            Print(json ? JsonSerializer.Serialize(sessions, J.ListSessionView) : Output.Sessions(sessions, legend));
        }
        else if (r.Users is { } users)
        {
            Print(json ? JsonSerializer.Serialize(users, J.ListUserView) : Output.Users(users, legend));
        }
        else if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(r, J.ControlResponse));
        }
        else if (r.Message is { } message)
        {
            Console.WriteLine(message);
        }

        return ExitCodes.Ok;
    }

    public static int Show(ControlResponse r, string[] only, bool valuesOnly, bool json)
    {
        var session = r.Sessions is [var s] ? s : throw new CtlException(ExitCodes.Failed, "the session manager's answer has no session");
        var properties = Output.Properties(session);
        var unknown = only.Where(p => !properties.Any(kv => string.Equals(kv.Key, p, StringComparison.OrdinalIgnoreCase))).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"smctl: no property {string.Join(", ", unknown)}; there are {string.Join(", ", properties.Select(kv => kv.Key))}");
            return ExitCodes.Usage;
        }

        var shown = only.Length == 0 ? properties
            : [.. properties.Where(kv => only.Any(p => string.Equals(kv.Key, p, StringComparison.OrdinalIgnoreCase)))];
        if (json)
        {
            Console.WriteLine(only.Length == 0 ? JsonSerializer.Serialize(session, J.SessionView)
                : JsonSerializer.Serialize(shown.ToDictionary(kv => kv.Key, kv => kv.Value), J.DictionaryStringString));
            return ExitCodes.Ok;
        }

        foreach (var (name, value) in shown)
        {
            Console.WriteLine(valuesOnly ? value : $"{name}={value}");
        }

        return ExitCodes.Ok;
    }

    private static void Print(string text)
    {
        if (text.Length > 0)
        {
            Console.WriteLine(text);
        }
    }
}
