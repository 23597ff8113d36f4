using System.Text;

namespace SessionManager.Hosting;

/// <summary>What <c>SessionManager --help</c> prints.</summary>
internal static class Usage
{
    public static bool IsRequested(IEnumerable<string> args) => args.Any(a => a is "--help" or "-h" or "-?");

    public static string Text()
    {
        var text = new StringBuilder();
        text.Append("""
            usage: SessionManager [--KEY=VALUE ...]
                   SessionManager --help

            The session manager for FreeRDS/ogon RDP servers: listens on a Unix socket for the RDS
            server (ICP) and on TCP for fdsapi (Thrift) clients. Settings come from appsettings.json
            beside the binary, then the environment (Icp__SocketPath=...), then the command line
            (--Icp:SocketPath=...).

            Exit status: 0 stopped by SIGTERM or SIGINT; 2 the configuration is wrong or a socket
            cannot be used (one line on stderr says which key and why).

            Settings (default, then meaning):

            """);
        text.Append('\n');
        foreach (var key in ConfigurationKeys.All)
        {
            text.Append("  ").Append(key.Key).Append("  (").Append(key.Default).Append(")\n");
            text.Append("      ").Append(key.Meaning).Append('\n');
        }

        return text.ToString();
    }
}
