using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SessionManager.Icp.Logging;

namespace SessionManager.Icp.Hosting;

/// <summary>Creates the ICP socket file: directory, stale file, mode.</summary>
internal static class UnixSocketBinder
{
    /// <exception cref="Hosting.StartupException">the socket cannot be created; the message names the key.</exception>
    public static Socket Bind(IcpOptions options, ILogger logger)
    {
        var path = options.SocketPath;
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            if (File.Exists(path) || Directory.Exists(path))
            {
                ReplaceStale(path, logger);
            }

            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.Bind(new UnixDomainSocketEndPoint(path));
                File.SetUnixFileMode(path, options.ParsedSocketMode);
                socket.Listen(16);
                logger.Listening(path, options.SocketMode);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SocketException)
        {
            throw new StartupException($"Icp:SocketPath: cannot listen on {path}: {ex.Message}", ex);
        }
    }

    /// <summary>A socket file left by a daemon that died is replaced; one that answers is not ours to take.</summary>
    private static void ReplaceStale(string path, ILogger logger)
    {
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new StartupException($"Icp:SocketPath: {path} is in use by another running session manager");
            }
            catch (SocketException)
            {
                // Nobody listens: stale.
            }
        }

        File.Delete(path);
        logger.StaleSocketReplaced(path);
    }

    public static void Remove(string path, ILogger logger)
    {
        try
        {
            File.Delete(path);
            logger.SocketRemoved(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.SocketRemoveFailed(ex, path);
        }
    }
}
