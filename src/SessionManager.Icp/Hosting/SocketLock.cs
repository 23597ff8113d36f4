using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using SessionManager.Icp.Hosting.Native;

namespace SessionManager.Icp.Hosting;

/// <summary>
/// An exclusive flock on <c>&lt;SocketPath&gt;.lock</c>, held while the daemon listens. It is how
/// a second instance tells that a daemon is alive, without connecting to the live socket (which
/// the live daemon would log as an RDS server coming and going). The file holds the holder's pid
/// so that a refused start can name it. It is never deleted: a daemon deleting it at exit could
/// race one that has just opened it and would then lock a file that no longer has a name.
/// </summary>
internal sealed class SocketLock : IDisposable
{
    private const uint LockFileMode = 0b110_000_000; // 0600

    /// <summary>The locks held by this process, by socket path: released when the socket is removed.</summary>
    private static readonly ConcurrentDictionary<string, SocketLock> Held = new(StringComparer.Ordinal);

    private readonly FileDescriptor _fd;

    private SocketLock(string socketPath, string lockPath, FileDescriptor fd)
    {
        SocketPath = socketPath;
        LockPath = lockPath;
        _fd = fd;
    }

    public string SocketPath { get; }

    public string LockPath { get; }

    public static string LockPathFor(string socketPath) => socketPath + ".lock";

    /// <summary>Takes the lock for <paramref name="socketPath"/> and writes our pid into it.</summary>
    /// <exception cref="StartupException">another daemon holds it, or the lock file is not safe to use.</exception>
    public static SocketLock Acquire(string socketPath, string key = SocketPathRules.IcpKey)
    {
        string lockPath = LockPathFor(socketPath);
        int fd = Libc.Open(lockPath, Libc.O_RDWR | Libc.O_CREAT | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, LockFileMode);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new StartupException(errno == Libc.ELOOP
                ? $"{key}: lock file {lockPath} is a symbolic link; refusing to follow it"
                : $"{key}: cannot open lock file {lockPath}: {Libc.Describe(errno)}");
        }

        var handle = new FileDescriptor(fd);
        try
        {
            CheckIsOurs(lockPath, fd, key);
            while (Libc.Flock(fd, Libc.LOCK_EX | Libc.LOCK_NB) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EWOULDBLOCK)
                {
                    string holder = ReadPid(fd) is { } pid ? $"pid {pid}" : "pid unknown";
                    throw new StartupException($"{key}: {socketPath} is in use by another running session manager ({holder})");
                }

                if (errno != Libc.EINTR)
                {
                    throw new StartupException($"{key}: cannot lock {lockPath}: {Libc.Describe(errno)}");
                }
            }

            WritePid(lockPath, fd, Environment.ProcessId, key);
            var taken = new SocketLock(socketPath, lockPath, handle);
            Held[socketPath] = taken;
            return taken;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Releases the lock taken for <paramref name="socketPath"/> by this process, if any.</summary>
    public static void Release(string socketPath)
    {
        if (Held.TryRemove(socketPath, out var held))
        {
            held._fd.Dispose();
        }
    }

    public void Dispose()
    {
        Held.TryRemove(new KeyValuePair<string, SocketLock>(SocketPath, this));
        _fd.Dispose();
    }

    /// <summary>A lock file another user made could be held by them forever, keeping us from starting.</summary>
    private static void CheckIsOurs(string lockPath, int fd, string key)
    {
        var status = FileStatus.OfDescriptor(fd) ?? throw new StartupException($"{key}: cannot examine lock file {lockPath}");
        if (status.Kind != FileKind.Regular)
        {
            throw new StartupException($"{key}: lock file {lockPath} is not a regular file");
        }

        uint self = Libc.Geteuid();
        if (status.Uid != 0 && status.Uid != self)
        {
            throw new StartupException($"{key}: lock file {lockPath} is owned by uid {status.Uid}, not by root or by us (uid {self})");
        }
    }

    private static unsafe void WritePid(string lockPath, int fd, int pid, string key)
    {
        byte[] text = Encoding.ASCII.GetBytes(pid.ToString(CultureInfo.InvariantCulture) + "\n");
        fixed (byte* bytes = text)
        {
            if (Libc.Ftruncate(fd, 0) != 0 || Libc.Pwrite(fd, bytes, (nuint)text.Length, 0) != text.Length)
            {
                throw new StartupException($"{key}: cannot write lock file {lockPath}: {Libc.Describe(Marshal.GetLastPInvokeError())}");
            }
        }
    }

    private static unsafe int? ReadPid(int fd)
    {
        byte* buffer = stackalloc byte[32];
        nint read = Libc.Pread(fd, buffer, 32, 0);
        if (read <= 0)
        {
            return null;
        }

        var text = Encoding.ASCII.GetString(buffer, (int)read).Trim();
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0 ? pid : null;
    }
}
