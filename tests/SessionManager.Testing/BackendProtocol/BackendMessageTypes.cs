namespace SessionManager.Testing.BackendProtocol;

/// <summary>
/// Frame types of the backend protocol: ogon's inc/backend.h numbers, which are what goes on the
/// wire (not backend.proto's MSGTYPE enum). SESSIONS.md §3.4.
/// </summary>
public static class BackendMessageTypes
{
    // backend → RDS
    public const ushort FramebufferInfo = 1;
    public const ushort SbpRequest = 4;
    public const ushort VersionReply = 7;

    // RDS → backend
    public const ushort Capabilities = 8;
    public const ushort KeyboardSync = 9;
    public const ushort Version = 20;
}
