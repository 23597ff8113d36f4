namespace SessionManager.Testing.BackendProtocol;

/// <summary>The backend's socket file did not exist within the wait the RDS allows.</summary>
public sealed class BackendEndpointMissingException : IOException
{
    public BackendEndpointMissingException()
    {
    }

    public BackendEndpointMissingException(string message)
        : base(message)
    {
    }

    public BackendEndpointMissingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
