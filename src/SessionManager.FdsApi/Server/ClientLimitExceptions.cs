namespace SessionManager.FdsApi.Server;

// Neither is an IOException on purpose: Thrift's transport and processor treat an IOException
// as "the client left" and end the connection silently, and these must reach the log.

/// <summary>A frame header announced more than FdsApi:MaxFrameBytes; thrown before its body is buffered.</summary>
internal sealed class FrameTooLargeException(long frameBytes, int maxFrameBytes)
    : Exception($"frame of {frameBytes} bytes announced, more than the limit of {maxFrameBytes}")
{
    public long FrameBytes { get; } = frameBytes;

    public int MaxFrameBytes { get; } = maxFrameBytes;
}

/// <summary>A message was begun and not finished within FdsApi:FrameTimeout.</summary>
internal sealed class HalfSentMessageException(long receivedBytes, TimeSpan timeout, Exception? inner = null)
    : Exception($"{receivedBytes} bytes of a message, and not the rest within {timeout.TotalMilliseconds} ms", inner)
{
    public long ReceivedBytes { get; } = receivedBytes;

    public TimeSpan Timeout { get; } = timeout;
}

/// <summary>A message larger than a connection's own buffer found no room in FdsApi:MaxBufferedBytes in time.</summary>
internal sealed class BufferBudgetExhaustedException(long messageBytes, long maxBufferedBytes)
    : Exception($"no room for a message of {messageBytes} bytes within FdsApi:MaxBufferedBytes ({maxBufferedBytes})")
{
    public long MessageBytes { get; } = messageBytes;

    public long MaxBufferedBytes { get; } = maxBufferedBytes;
}

/// <summary>A client that never presented a valid token sent nothing for FdsApi:UnauthenticatedIdleTimeout.</summary>
internal sealed class UnauthenticatedIdleException(TimeSpan timeout, Exception? inner = null)
    : Exception($"no valid token presented and nothing sent for {timeout.TotalMilliseconds} ms", inner)
{
    public TimeSpan Timeout { get; } = timeout;
}
