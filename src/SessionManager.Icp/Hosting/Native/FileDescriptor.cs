using System.Runtime.InteropServices;

namespace SessionManager.Icp.Hosting.Native;

/// <summary>An open file descriptor, closed once (also if its owner forgets).</summary>
internal sealed class FileDescriptor : SafeHandle
{
    public FileDescriptor(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle < 0;

    /// <summary>The descriptor number for a libc call; valid while this object is not disposed.</summary>
    public int Value => (int)handle;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
