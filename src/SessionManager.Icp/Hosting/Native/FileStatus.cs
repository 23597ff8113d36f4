using System.Runtime.InteropServices;

namespace SessionManager.Icp.Hosting.Native;

public enum FileKind
{
    Other,
    Regular,
    Directory,
    SymbolicLink,
    Socket,
}

/// <summary>What lstat/fstat say about a file: its kind, permission bits, owner and identity.</summary>
/// <param name="Mode">the low 12 bits of st_mode: permissions, setuid/setgid/sticky.</param>
/// <param name="Device">st_dev as the kernel encodes a dev_t (what JOURNAL_STREAM prints).</param>
public readonly record struct FileStatus(FileKind Kind, UnixFileMode Mode, uint Uid, ulong Device, ulong Inode)
{
    // Offsets in struct statx (linux/stat.h; fields in native byte order); the struct is 256 bytes.
    private const int StatxSize = 256;
    private const int UidOffset = 20;
    private const int ModeOffset = 28;
    private const int InodeOffset = 32;
    private const int DevMajorOffset = 136;
    private const int DevMinorOffset = 140;

    /// <summary>The file at <paramref name="path"/> itself (a symbolic link is not followed), or null if nothing is there.</summary>
    /// <exception cref="IOException">it cannot be looked at (permission, not a directory on the way, …).</exception>
    public static FileStatus? OfLink(string path) => Of(Libc.AT_FDCWD, path, Libc.AT_SYMLINK_NOFOLLOW);

    /// <summary>The file a descriptor refers to, or null if the descriptor is not open.</summary>
    public static FileStatus? OfDescriptor(int fd)
    {
        try
        {
            return Of(fd, "", Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static unsafe FileStatus? Of(int dirfd, string path, int flags)
    {
        byte* buffer = stackalloc byte[StatxSize];
        if (Libc.Statx(dirfd, path, flags, Libc.STATX_BASIC_STATS, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == Libc.ENOENT && path.Length > 0 ? null : throw new IOException(Libc.Describe(errno));
        }

        var bytes = new ReadOnlySpan<byte>(buffer, StatxSize);
        uint mode = MemoryMarshal.Read<ushort>(bytes[ModeOffset..]);
        uint major = MemoryMarshal.Read<uint>(bytes[DevMajorOffset..]);
        uint minor = MemoryMarshal.Read<uint>(bytes[DevMinorOffset..]);
        return new FileStatus(
            KindOf(mode),
            (UnixFileMode)(mode & 0xfff),
            MemoryMarshal.Read<uint>(bytes[UidOffset..]),
            MakeDev(major, minor),
            MemoryMarshal.Read<ulong>(bytes[InodeOffset..]));
    }

    private static FileKind KindOf(uint mode) => (mode & 0xf000) switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Directory,
        0xa000 => FileKind.SymbolicLink,
        0xc000 => FileKind.Socket,
        _ => FileKind.Other,
    };

    /// <summary>glibc's makedev(3): how st_dev encodes major and minor.</summary>
    private static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);
}
