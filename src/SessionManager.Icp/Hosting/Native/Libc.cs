using System.Runtime.InteropServices;

namespace SessionManager.Icp.Hosting.Native;

/// <summary>
/// The few libc calls the socket set-up needs that .NET does not offer: lstat-style file types
/// (is it a socket?), open with O_NOFOLLOW, flock, and changes through a descriptor; and poll
/// with POLLRDHUP, which tells a closed peer from one that has sent bytes not read yet.
/// Every call sets errno; callers read it with <see cref="Marshal.GetLastPInvokeError"/>.
/// </summary>
internal static partial class Libc
{
    private const string Library = "libc";

    // open(2) flags. O_NOFOLLOW and O_DIRECTORY differ between the x86 and the Arm ABIs.
    public const int O_RDONLY = 0x0;
    public const int O_RDWR = 0x2;
    public const int O_CREAT = 0x40;
    public const int O_CLOEXEC = 0x80000;
    public static readonly int O_NOFOLLOW = IsArm ? 0x8000 : 0x20000;
    public static readonly int O_DIRECTORY = IsArm ? 0x4000 : 0x10000;

    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;

    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_EMPTY_PATH = 0x1000;
    public const uint STATX_BASIC_STATS = 0x7ff;

    // errno values (asm-generic, the same on x86-64 and arm64).
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EWOULDBLOCK = 11;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int ELOOP = 40;

    // poll(2) events (the same on x86-64 and arm64). POLLRDHUP: the peer has shut down its writing
    // side (closed), reported even while bytes it sent are still unread, unlike a read of 0.
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;
    public const short POLLNVAL = 0x20;
    public const short POLLRDHUP = 0x2000;

    private static bool IsArm => RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64;

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, uint mode);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    [LibraryImport(Library, EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    [LibraryImport(Library, EntryPoint = "pwrite", SetLastError = true)]
    public static unsafe partial nint Pwrite(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport(Library, EntryPoint = "pread", SetLastError = true)]
    public static unsafe partial nint Pread(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport(Library, EntryPoint = "fchmod", SetLastError = true)]
    public static partial int Fchmod(int fd, uint mode);

    [LibraryImport(Library, EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mkdir(string path, uint mode);

    [LibraryImport(Library, EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unlink(string path);

    [LibraryImport(Library, EntryPoint = "geteuid")]
    public static partial uint Geteuid();

    /// <summary>statx(2): unlike struct stat, struct statx has one layout on every architecture.</summary>
    [LibraryImport(Library, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* statxBuffer);

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    public static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
