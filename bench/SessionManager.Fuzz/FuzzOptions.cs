using System.Globalization;
using SessionManager.Fuzz.Daemon;

namespace SessionManager.Fuzz;

/// <summary>The command line of the tool.</summary>
public static class FuzzOptions
{
    public const string Usage =
        "usage: SessionManager.Fuzz [--daemon PATH] [--icp-frames N] [--thrift-messages N] [--batch N] [--seed N]\n" +
        "         [--short] [--logon-share X] [--workers N] [--ping-bound-ms N] [--tls-share X]\n" +
        "  --daemon: the published SessionManager binary (default artifacts/publish/SessionManager),\n" +
        "            or a SessionManager.dll (run with dotnet)\n" +
        "  --short:  20,000 per target (a quick look); the default is 1,000,000 per target";

    public static (FuzzSettings Settings, DaemonCommand Daemon) Parse(string[] args)
    {
        var settings = new FuzzSettings();
        string daemon = "artifacts/publish/SessionManager";
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value\n{Usage}");
            long Long() => long.Parse(Next(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
            double Double() => double.Parse(Next(), CultureInfo.InvariantCulture);
            if (args[i] == "--daemon")
            {
                daemon = Next();
                continue;
            }

            settings = args[i] switch
            {
                "--icp-frames" => settings with { IcpFrames = Long() },
                "--thrift-messages" => settings with { ThriftMessages = Long() },
                "--batch" => settings with { BatchSize = (int)Long() },
                "--seed" => settings with { Seed = (int)Long() },
                "--short" => settings with { IcpFrames = 20_000, ThriftMessages = 20_000, BatchSize = 2_000 },
                "--logon-share" => settings with { LogonShare = Double() },
                "--tls-share" => settings with { TlsShare = Double() },
                "--workers" => settings with { ThriftWorkers = (int)Long() },
                "--ping-bound-ms" => settings with { PingBound = TimeSpan.FromMilliseconds(Long()) },
                "--help" or "-h" => throw new ArgumentException(Usage),
                _ => throw new ArgumentException($"unknown option '{args[i]}'\n{Usage}"),
            };
        }

        string path = Path.GetFullPath(daemon);
        if (!File.Exists(path))
        {
            throw new ArgumentException($"no daemon at {path}: run 'dotnet publish src/SessionManager -c Release -o artifacts/publish' first, or pass --daemon\n{Usage}");
        }

        return (settings, path.EndsWith(".dll", StringComparison.Ordinal) ? DaemonCommand.Dll(path) : DaemonCommand.Published(path));
    }
}
