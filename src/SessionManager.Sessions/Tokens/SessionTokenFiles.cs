using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionManager.Sessions.Logon;
using SessionManager.Sessions.Native;

namespace SessionManager.Sessions.Tokens;

/// <summary>
/// The in-session token file that libogon-otsapi reads: <c>/tmp/ogon.session.&lt;sid&gt;</c>, its first
/// line the session's token. Created safely where ogon was not: whatever is at the path is
/// unlinked, the file is created O_CREAT|O_EXCL|O_NOFOLLOW mode 0400, and chowned to the session's
/// user through the descriptor (ogon chowns by path after open: a symlink turns that into a root
/// file takeover).
/// </summary>
public sealed partial class SessionTokenFiles(IOptions<SessionsOptions> options, ILogger<SessionTokenFiles> logger)
{
    private const string Prefix = "ogon.session.";

    private string Directory => options.Value.TokenDirectory;

    public string PathOf(int sessionId) => Path.Combine(Directory, Prefix + sessionId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Writes the token for the session, owned by <paramref name="uid"/> (root for a greeter); returns the path.</summary>
    /// <exception cref="IOException">the file cannot be created safely.</exception>
    public unsafe string Create(int sessionId, string token, uint uid, uint gid)
    {
        string path = PathOf(sessionId);
        File.Delete(path); // unlink: never open whatever someone placed there
        int fd = TokenFileNative.Open(path, TokenFileNative.OWronly | TokenFileNative.OCreat | TokenFileNative.OExcl | TokenFileNative.ONoFollow | TokenFileNative.OCloExec, 0b100_000_000);
        if (fd < 0)
        {
            throw new IOException($"cannot create {path}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        }

        try
        {
            if (TokenFileNative.FChown(fd, uid, gid) != 0)
            {
                throw new IOException($"cannot give {path} to uid {uid}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
            }

            var bytes = Encoding.ASCII.GetBytes(token + "\n");
            fixed (byte* p = bytes)
            {
                if (TokenFileNative.Write(fd, p, (nuint)bytes.Length) != bytes.Length)
                {
                    throw new IOException($"cannot write {path}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
                }
            }
        }
        catch
        {
            TokenFileNative.Close(fd);
            File.Delete(path);
            throw;
        }

        TokenFileNative.Close(fd);
        return path;
    }

    public void Remove(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException ex)
        {
            TokenFileRemoveFailed(logger, path, ex.Message);
        }
    }

    /// <summary>At start: token files of a previous run name sessions that are gone.</summary>
    public int RemoveStale()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return 0;
        }

        int removed = 0;
        foreach (var stale in System.IO.Directory.EnumerateFiles(Directory, Prefix + "*"))
        {
            File.Delete(stale);
            removed++;
        }

        if (removed > 0)
        {
            StaleTokenFilesRemoved(logger, removed, Directory);
        }

        return removed;
    }

    [LoggerMessage(3300, LogLevel.Warning, "Could not remove session token file {Path}: {Reason}")]
    private static partial void TokenFileRemoveFailed(ILogger logger, string path, string reason);

    [LoggerMessage(3301, LogLevel.Information, "Removed {Count} stale session token files from {Directory}")]
    private static partial void StaleTokenFilesRemoved(ILogger logger, int count, string directory);
}
