using System.Text;

namespace SessionManager.Icp.Hosting;

/// <summary>What a socket path must be before the file system is asked anything about it.</summary>
public static class SocketPathRules
{
    /// <summary>sun_path in struct sockaddr_un holds 108 bytes, the terminating NUL included.</summary>
    public const int MaxPathBytes = 107;

    /// <summary>The key named in messages unless another socket (the control socket) is meant.</summary>
    public const string IcpKey = "Icp:SocketPath";

    /// <summary>The problem with <paramref name="path"/> as <paramref name="key"/>, or null if there is none.</summary>
    public static string? Problem(string? path, string key = IcpKey)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return $"{key}: must not be empty";
        }

        // A relative path would depend on the working directory, which the RDS server cannot know.
        if (!path.StartsWith('/'))
        {
            return $"{key}: must be an absolute path such as /tmp/.pipe/FreeRDS_SessionManager (got '{path}')";
        }

        if (path.EndsWith('/'))
        {
            return $"{key}: {path} names a directory; name the socket file inside it, e.g. {path}FreeRDS_SessionManager";
        }

        int bytes = Encoding.UTF8.GetByteCount(path);
        if (bytes > MaxPathBytes)
        {
            return $"{key}: {path} is {bytes} bytes long; a Unix socket path can be at most {MaxPathBytes}";
        }

        return null;
    }
}
