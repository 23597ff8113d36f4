using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SessionManager.Icp.Hosting.Native;

namespace SessionManager.Icp.Hosting;

/// <summary>
/// The directory that holds the ICP socket and its lock file. Whoever can rename or delete
/// entries in it can put their own socket where the RDS server connects, so it must belong to
/// root or to us, and if others may write to it the sticky bit must keep them to their own files.
/// </summary>
internal static class SocketDirectory
{
    /// <summary>Where WinPR puts named pipes; backends running as session users create their endpoints here too.</summary>
    public const string WinPrPipeDirectory = "/tmp/.pipe";

    private const UnixFileMode SharedMode = (UnixFileMode)0b1_111_111_111; // 1777, like /tmp
    private const UnixFileMode PrivateMode = (UnixFileMode)0b111_101_101; // 0755

    /// <summary>The mode a missing directory is created with.</summary>
    internal static UnixFileMode ModeForNew(string directory) =>
        directory.TrimEnd('/') == WinPrPipeDirectory ? SharedMode : PrivateMode;

    /// <exception cref="StartupException">the directory cannot be made or is not safe to use.</exception>
    public static void Prepare(string directory, ILogger logger, string key = SocketPathRules.IcpKey)
    {
        using var fd = OpenOrCreate(directory, logger, key);
        var status = FileStatus.OfDescriptor(fd.Value)
            ?? throw new StartupException($"{key}: cannot examine directory {directory}");
        if (Problem(directory, status, key) is { } problem)
        {
            throw new StartupException(problem);
        }
    }

    private static FileDescriptor OpenOrCreate(string directory, ILogger logger, string key)
    {
        // An existing directory may be reached through a symbolic link: what is checked is the
        // directory the link leads to, which is where the socket would be.
        int fd = Libc.Open(directory, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (fd >= 0)
        {
            return new FileDescriptor(fd);
        }

        int errno = Marshal.GetLastPInvokeError();
        if (errno != Libc.ENOENT)
        {
            throw new StartupException(errno == Libc.ENOTDIR
                ? $"{key}: {directory} is not a directory"
                : $"{key}: cannot open directory {directory}: {Libc.Describe(errno)}");
        }

        return Create(directory, logger, key);
    }

    private static FileDescriptor Create(string directory, ILogger logger, string key)
    {
        var mode = ModeForNew(directory);
        try
        {
            if (Path.GetDirectoryName(directory) is { Length: > 0 } parent)
            {
                Directory.CreateDirectory(parent, PrivateMode);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"{key}: cannot create directory {directory}: {ex.Message}", ex);
        }

        bool created = Libc.Mkdir(directory, (uint)PrivateMode) == 0;
        int errno = Marshal.GetLastPInvokeError();
        if (!created && errno != Libc.EEXIST)
        {
            throw new StartupException($"{key}: cannot create directory {directory}: {Libc.Describe(errno)}");
        }

        // O_NOFOLLOW: what we just made is a directory, not a link someone put there meanwhile.
        int fd = Libc.Open(directory, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new StartupException($"{key}: cannot open directory {directory}: {Libc.Describe(Marshal.GetLastPInvokeError())}");
        }

        var handle = new FileDescriptor(fd);
        if (created)
        {
            // mkdir's mode passes through the umask; the mode is set afterwards, through the descriptor.
            if (Libc.Fchmod(fd, (uint)mode) != 0)
            {
                int chmodErrno = Marshal.GetLastPInvokeError();
                handle.Dispose();
                throw new StartupException($"{key}: cannot set the mode of directory {directory}: {Libc.Describe(chmodErrno)}");
            }

            logger.SocketDirectoryCreated(directory, Octal(mode));
        }

        return handle;
    }

    internal static string? Problem(string directory, FileStatus status, string key = SocketPathRules.IcpKey)
    {
        uint self = Libc.Geteuid();
        if (status.Uid != 0 && status.Uid != self)
        {
            return $"{key}: directory {directory} is owned by uid {status.Uid}, not by root or by us (uid {self}): a local user could swap the sockets";
        }

        const UnixFileMode othersMayWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
        if ((status.Mode & othersMayWrite) != 0 && (status.Mode & UnixFileMode.StickyBit) == 0)
        {
            return $"{key}: directory {directory} (mode {Octal(status.Mode)}) is writable by group or others without the sticky bit: a local user could swap the sockets";
        }

        return null;
    }

    internal static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
