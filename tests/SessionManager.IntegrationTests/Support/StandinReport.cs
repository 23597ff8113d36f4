namespace SessionManager.IntegrationTests.Support;

/// <summary>The stand-in backend's report file (format: tests/standin-backend/README.md), parsed.</summary>
public sealed class StandinReport
{
    private StandinReport(IReadOnlyList<KeyValuePair<string, string>> fields, IReadOnlyList<string> environment)
    {
        Fields = fields;
        Environment = environment;
    }

    /// <summary>The key=value lines before <c>env:</c>, in order (arg may repeat).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; }

    /// <summary>NAME=value lines after <c>env:</c>, still escaped.</summary>
    public IReadOnlyList<string> Environment { get; }

    public string this[string key] => Fields.Single(f => f.Key == key).Value;

    public IEnumerable<string> Args => Fields.Where(f => f.Key == "arg").Select(f => f.Value);

    public string? Variable(string name) =>
        Environment.Where(e => e.StartsWith(name + "=", StringComparison.Ordinal)).Select(e => e[(name.Length + 1)..]).SingleOrDefault();

    public static StandinReport Read(string path)
    {
        var lines = File.ReadAllLines(path);
        int env = Array.IndexOf(lines, "env:");
        if (env < 0)
        {
            throw new InvalidDataException($"{path} has no env: line");
        }

        var fields = lines[..env].Select(l =>
        {
            int eq = l.IndexOf('=', StringComparison.Ordinal);
            return eq < 0 ? throw new InvalidDataException($"report line without '=': {l}") : KeyValuePair.Create(l[..eq], l[(eq + 1)..]);
        }).ToList();
        return new StandinReport(fields, lines[(env + 1)..]);
    }
}
