using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SessionManager.Icp.Hosting.Native;
using SessionManager.Icp.Logging;

namespace SessionManager.Icp.Hosting;

/// <summary>
/// Creates the ICP socket file. In order: the path is checked, the directory made or checked
/// (<see cref="SocketDirectory"/>), the lock taken (<see cref="SocketLock"/>); only then, with
/// no other daemon alive, may a socket left behind be replaced. Anything at the path that is not
/// a socket is left alone and named: deleting an operator's file is never ours to decide.
/// </summary>
internal static class UnixSocketBinder
{
    /// <exception cref="StartupException">the socket cannot be created; the message names the key.</exception>
    public static Socket Bind(IcpOptions options, ILogger logger) =>
        Bind(options.SocketPath, options.ParsedSocketMode, options.SocketMode, SocketPathRules.IcpKey, logger);

    /// <summary>Any daemon socket (the ICP one, the control one): <paramref name="key"/> is named in every message.</summary>
    /// <exception cref="StartupException">the socket cannot be created; the message names the key.</exception>
    internal static Socket Bind(string path, UnixFileMode mode, string modeText, string key, ILogger logger)
    {
        if (SocketPathRules.Problem(path, key) is { } problem)
        {
            throw new StartupException(problem);
        }

        if (Path.GetDirectoryName(path) is { Length: > 0 } directory)
        {
            SocketDirectory.Prepare(directory, logger, key);
        }

        var held = SocketLock.Acquire(path, key);
        logger.LockAcquired(held.LockPath, Environment.ProcessId);
        try
        {
            ReplaceStale(path, key, logger);
            return Listen(path, mode, modeText, key, logger);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    private static Socket Listen(string path, UnixFileMode mode, string modeText, string key, ILogger logger)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));

            // A socket file's mode cannot be set through the socket's descriptor (fchmod changes
            // the socket inode, not the file); by path is safe here because the directory is
            // ours or sticky, so nobody else can swap the file between bind and chmod.
            File.SetUnixFileMode(path, mode);
            socket.Listen(16);
            if (key == SocketPathRules.IcpKey)
            {
                logger.Listening(path, modeText); // other sockets log their own line, naming what listens
            }

            return socket;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SocketException)
        {
            socket.Dispose();
            throw new StartupException($"{key}: cannot listen on {path}: {ex.Message}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Called with the lock held: a socket at the path was left by a daemon that died.</summary>
    private static void ReplaceStale(string path, string key, ILogger logger)
    {
        FileStatus? status;
        try
        {
            status = FileStatus.OfLink(path);
        }
        catch (IOException ex)
        {
            throw new StartupException($"{key}: cannot examine {path}: {ex.Message}", ex);
        }

        switch (status?.Kind)
        {
            case null:
                return;
            case FileKind.Socket:
                if (Libc.Unlink(path) != 0)
                {
                    throw new StartupException($"{key}: cannot remove the stale socket {path}: {Libc.Describe(Marshal.GetLastPInvokeError())}");
                }

                logger.StaleSocketReplaced(path);
                return;
            case FileKind.Directory:
                throw new StartupException($"{key}: {path} is a directory; name the socket file inside it, e.g. {path}/FreeRDS_SessionManager");
            case FileKind.SymbolicLink:
                throw new StartupException($"{key}: {path} is a symbolic link, not a socket; not following or replacing it");
            case FileKind.Regular:
                throw new StartupException($"{key}: {path} is a regular file, not a socket; not replacing it (remove it or choose another path)");
            default:
                throw new StartupException($"{key}: {path} exists and is not a socket; not replacing it");
        }
    }

    /// <summary>At shutdown: the socket file goes, then the lock is released (the lock file stays).</summary>
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
        finally
        {
            SocketLock.Release(path);
        }
    }
}
