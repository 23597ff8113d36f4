using Microsoft.Extensions.Options;
using Microsoft.Extensions.Hosting;
using SessionManager.Sessions.Backends;
using SessionManager.Sessions.Properties;
using SessionManager.Sessions.Registry;
using SessionManager.Sessions.Tls;
using SessionManager.Sessions.Tokens;

namespace SessionManager.Sessions.Hosting;

/// <summary>
/// What must be in place before the RDS server can connect (registered before the ICP engine, so
/// it runs before the socket listens): the TLS pair the RDS asks for first, no stale token file
/// (one of a previous run must not be mistaken for, or remove, a new one), and the pipe directory.
/// </summary>
public sealed class SessionsPreparation(TlsPairCreator tls, SessionTokenFiles tokens, IOptions<PipesOptions> pipes, PropertyStore properties, SessionRegistry registry) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await tls.StartAsync(cancellationToken);
        properties.Geometry = registry.GeometryOf;
        tokens.RemoveStale();
        CreatePipeDirectory(pipes.Value.Directory);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// WinPR's pipe directory is shared by every session's backend, which run as their users: it is
    /// created 1777 (sticky: nobody can remove another's socket) when missing.
    /// </summary>
    private static void CreatePipeDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }

        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111 | UnixFileMode.StickyBit);
    }
}
