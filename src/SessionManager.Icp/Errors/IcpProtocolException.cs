namespace SessionManager.Icp.Errors;

public enum IcpProtocolError
{
    /// <summary>The length prefix announces more than <see cref="IcpOptions.MaxFrameBytes"/>.</summary>
    FrameTooLarge,

    /// <summary>The frame body is not a valid RPCBase.</summary>
    MalformedFrame,

    /// <summary>The stream ended in the middle of a frame.</summary>
    TruncatedFrame,
}

/// <summary>
/// The byte stream from the RDS server cannot be trusted any more. There is no way to
/// resynchronise a length-prefixed stream, so the connection is closed.
/// </summary>
public sealed class IcpProtocolException(IcpProtocolError error, string message, uint length, Exception? inner = null)
    : Exception(message, inner)
{
    public IcpProtocolError Error { get; } = error;

    /// <summary>The frame length involved (announced, or received so far).</summary>
    public uint Length { get; } = length;
}

/// <summary>The peer's protocol major version is newer than ours; it was answered, then closed.</summary>
public sealed class IcpProtocolVersionException(uint peerMajor, uint peerMinor)
    : Exception($"peer speaks ICP {peerMajor}.{peerMinor}, newer than our {IcpMessageTypes.VersionMajor}.{IcpMessageTypes.VersionMinor}");
