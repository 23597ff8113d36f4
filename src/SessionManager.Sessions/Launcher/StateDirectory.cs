using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SessionManager.Icp.Hosting;
using SessionManager.Icp.Hosting.Native;

namespace SessionManager.Sessions.Launcher;

/// <summary>
/// Launcher:StateDirectory, checked at start. It holds the launchers' control sockets: whoever
/// may write there could put a socket of their own where the daemon connects, and sm-spawner and
/// sm-launcher refuse it unless it is ours with mode 0700. Refusing it at start (exit 2, one line)
/// is better than a daemon that reports ready while every logon would fail.
/// </summary>
internal static class StateDirectory
{
    public const string Key = "Launcher:StateDirectory";

    private const uint PrivateMode = 0b111_000_000; // 0700

    /// <summary>Creates it (0700) if missing; refuses a link, another owner, any access for group
    /// or others, or a file in it that is not ours or that group or others may write.</summary>
    /// <exception cref="StartupException">the line naming the key and why.</exception>
    public static void Prepare(string directory, ILogger logger)
    {
        uint self = LauncherNative.EffectiveUid;
        FileStatus? link;
        try
        {
            link = FileStatus.OfLink(directory);
        }
        catch (IOException e)
        {
            throw new StartupException($"{Key}: cannot examine {directory}: {e.Message}", e);
        }

        if (link is { Kind: FileKind.SymbolicLink })
        {
            throw new StartupException($"{Key}: {directory} is a symbolic link; it must be a directory owned by root with mode 0700");
        }

        bool created = false;
        if (link is null)
        {
            created = Create(directory);
        }

        // O_NOFOLLOW: what is checked is the directory itself, and its entries are read through
        // this descriptor, so nothing can be swapped in between the check and the reading.
        int fd = LauncherNative.Open(directory, LauncherNative.O_RDONLY | LauncherNative.O_DIRECTORY | LauncherNative.O_NOFOLLOW | LauncherNative.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new StartupException($"{Key}: cannot open {directory} as a directory: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        try
        {
            if (created && LauncherNative.Fchmod(fd, PrivateMode) != 0)
            {
                // mkdir's mode passed through the umask; it is set again through the descriptor.
                throw new StartupException($"{Key}: cannot set the mode of {directory}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }

            var status = FileStatus.OfDescriptor(fd) ?? throw new StartupException($"{Key}: cannot examine {directory}");
            if (Problem(directory, status, self) is { } problem)
            {
                throw new StartupException(problem);
            }

            string viaDescriptor = $"/proc/self/fd/{fd.ToString(CultureInfo.InvariantCulture)}";
            foreach (string entry in Directory.EnumerateFileSystemEntries(viaDescriptor))
            {
                if (FileStatus.OfLink(entry) is not { } file)
                {
                    continue; // gone meanwhile
                }

                string name = Path.GetFileName(entry);
                if (file.Uid != 0 && file.Uid != self)
                {
                    throw new StartupException($"{Key}: {Path.Combine(directory, name)} is owned by uid {file.Uid}, not by root: only root may have files there");
                }

                const UnixFileMode othersMayWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
                if (file.Kind != FileKind.SymbolicLink && (file.Mode & othersMayWrite) != 0)
                {
                    throw new StartupException($"{Key}: {Path.Combine(directory, name)} (mode {Octal(file.Mode)}) is writable by group or others: only root may write there");
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"{Key}: cannot examine {directory}: {e.Message}", e);
        }
        finally
        {
            _ = LauncherNative.Close(fd);
        }

        if (created)
        {
            logger.StateDirectoryCreated(directory);
        }
    }

    private static string? Problem(string directory, FileStatus status, uint self)
    {
        if (status.Uid != 0 && status.Uid != self)
        {
            return $"{Key}: {directory} is owned by uid {status.Uid}, not by root: it must be root's with mode 0700";
        }

        if (((uint)status.Mode & 0b111_111) != 0)
        {
            return $"{Key}: {directory} has mode {Octal(status.Mode)}, it must be 0700: group or others must have no access (a local user could put a socket of their own there)";
        }

        return null;
    }

    private static bool Create(string directory)
    {
        try
        {
            if (Path.GetDirectoryName(directory) is { Length: > 0 } parent)
            {
                Directory.CreateDirectory(parent, (UnixFileMode)0b111_101_101);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"{Key}: cannot create {directory}: {e.Message}", e);
        }

        if (LauncherNative.Mkdir(directory, PrivateMode) == 0)
        {
            return true;
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno == LauncherNative.EEXIST
            ? false // made meanwhile: checked like any existing one
            : throw new StartupException($"{Key}: cannot create {directory}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
