using System.CommandLine;
using SessionManager.Ctl;

// Usage errors are exit code 2 (System.CommandLine's own default is 1, which we keep for failures).
var root = Commands.Build();
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
    {
        Console.Error.WriteLine($"smctl: {error.Message}");
    }

    Console.Error.WriteLine("Try 'smctl --help'.");
    return ExitCodes.Usage;
}

return await parsed.InvokeAsync();
