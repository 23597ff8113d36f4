using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using SessionManager.Icp;
using SessionManager.Icp.Hosting;

namespace SessionManager.UnitTests;

/// <summary>
/// What may be at Icp:SocketPath before we listen, on the real file system: only a socket is
/// ever replaced, and only while we hold the lock that tells a live daemon.
/// </summary>
public sealed class SocketBinderSafetyTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("sm-ut-");

    private string SocketPath => Path.Combine(_dir.FullName, "sm.sock");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void A_regular_file_at_the_socket_path_is_named_and_left_alone()
    {
        File.WriteAllText(SocketPath, "an operator's file");

        var ex = Assert.Throws<StartupException>(() => Bind(SocketPath));

        Assert.Equal($"Icp:SocketPath: {SocketPath} is a regular file, not a socket; not replacing it (remove it or choose another path)", ex.Message);
        Assert.Equal("an operator's file", File.ReadAllText(SocketPath));
    }

    [Fact]
    public void A_symbolic_link_is_neither_followed_nor_replaced()
    {
        var target = Path.Combine(_dir.FullName, "target");
        File.WriteAllText(target, "kept");
        File.CreateSymbolicLink(SocketPath, target);

        var ex = Assert.Throws<StartupException>(() => Bind(SocketPath));

        Assert.StartsWith($"Icp:SocketPath: {SocketPath} is a symbolic link", ex.Message, StringComparison.Ordinal);
        Assert.Equal(target, new FileInfo(SocketPath).LinkTarget);
        Assert.Equal("kept", File.ReadAllText(target));
    }

    [Fact]
    public void A_symbolic_link_to_a_stale_socket_is_not_replaced_either()
    {
        var elsewhere = Path.Combine(_dir.FullName, "elsewhere.sock");
        LeaveStaleSocket(elsewhere);
        File.CreateSymbolicLink(SocketPath, elsewhere);

        Assert.Throws<StartupException>(() => Bind(SocketPath));

        Assert.NotNull(new FileInfo(SocketPath).LinkTarget);
        Assert.True(File.Exists(elsewhere), "the socket the link points at is untouched");
    }

    [Fact]
    public void A_directory_at_the_socket_path_is_named()
    {
        Directory.CreateDirectory(SocketPath);

        var ex = Assert.Throws<StartupException>(() => Bind(SocketPath));

        Assert.StartsWith($"Icp:SocketPath: {SocketPath} is a directory; name the socket file inside it", ex.Message, StringComparison.Ordinal);
        Assert.True(Directory.Exists(SocketPath));
    }

    [Fact]
    public void A_stale_socket_is_replaced_by_a_listening_one()
    {
        LeaveStaleSocket(SocketPath);
        Assert.True(File.Exists(SocketPath));

        using var listener = Bind(SocketPath);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(SocketPath));

        Assert.True(listener.Poll(TimeSpan.FromSeconds(5), SelectMode.SelectRead), "the new socket accepts");
        UnixSocketBinder.Remove(SocketPath, NullLogger.Instance);
    }

    [Fact]
    public void A_live_daemon_is_told_by_its_lock_without_connecting_to_its_socket()
    {
        using var live = Bind(SocketPath);
        try
        {
            var ex = Assert.Throws<StartupException>(() => Bind(SocketPath));

            Assert.Equal($"Icp:SocketPath: {SocketPath} is in use by another running session manager (pid {Environment.ProcessId})", ex.Message);
            Assert.False(live.Poll(TimeSpan.FromMilliseconds(200), SelectMode.SelectRead), "nobody connected to the live socket");
            Assert.True(File.Exists(SocketPath), "the live socket is untouched");
        }
        finally
        {
            UnixSocketBinder.Remove(SocketPath, NullLogger.Instance);
        }
    }

    [Fact]
    public void The_lock_file_is_private_names_our_pid_and_outlives_the_daemon()
    {
        var lockPath = SocketPath + ".lock";
        using (Bind(SocketPath))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(lockPath));
            Assert.Equal($"{Environment.ProcessId}\n", ReadWithCat(lockPath));
            UnixSocketBinder.Remove(SocketPath, NullLogger.Instance);
        }

        Assert.True(File.Exists(lockPath), "the lock file is not deleted (deleting it races the next daemon)");
        Assert.False(File.Exists(SocketPath));

        // Released: the next daemon takes it.
        using var next = Bind(SocketPath);
        UnixSocketBinder.Remove(SocketPath, NullLogger.Instance);
    }

    [Fact]
    public void A_symbolic_link_as_lock_file_is_refused()
    {
        var target = Path.Combine(_dir.FullName, "somewhere");
        File.WriteAllText(target, "kept");
        File.CreateSymbolicLink(SocketPath + ".lock", target);

        var ex = Assert.Throws<StartupException>(() => Bind(SocketPath));

        Assert.StartsWith($"Icp:SocketPath: lock file {SocketPath}.lock is a symbolic link", ex.Message, StringComparison.Ordinal);
        Assert.Equal("kept", File.ReadAllText(target));
    }

    [Fact]
    public void A_failed_bind_releases_the_lock()
    {
        File.WriteAllText(SocketPath, "in the way");
        Assert.Throws<StartupException>(() => Bind(SocketPath));
        File.Delete(SocketPath);

        using var listener = Bind(SocketPath);
        UnixSocketBinder.Remove(SocketPath, NullLogger.Instance);
    }

    [Theory]
    [InlineData("sm.sock", "Icp:SocketPath: must be an absolute path")]
    [InlineData("./run/sm.sock", "Icp:SocketPath: must be an absolute path")]
    [InlineData("/run/sm/", "Icp:SocketPath: /run/sm/ names a directory")]
    [InlineData("", "Icp:SocketPath: must not be empty")]
    public void Paths_a_socket_cannot_have_are_named(string path, string expected)
    {
        Assert.StartsWith(expected, SocketPathRules.Problem(path), StringComparison.Ordinal);
        Assert.StartsWith(expected, Assert.Throws<StartupException>(() => Bind(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_path_longer_than_sun_path_is_named_with_its_length()
    {
        var path = "/tmp/" + new string('s', 103); // 108 bytes: no room for the NUL
        var fits = "/tmp/" + new string('s', 102);

        Assert.Equal($"Icp:SocketPath: {path} is 108 bytes long; a Unix socket path can be at most 107", SocketPathRules.Problem(path));
        Assert.Null(SocketPathRules.Problem(fits));
    }

    private static Socket Bind(string path) =>
        UnixSocketBinder.Bind(new IcpOptions { SocketPath = path }, NullLogger.Instance);

    /// <summary>What a killed daemon leaves: a socket file nobody listens on.</summary>
    private static void LeaveStaleSocket(string path)
    {
        // .NET deletes the file a socket was bound to when the socket is disposed; moved away
        // first, the file outlives the socket as a killed process's would.
        var bound = path + ".binding";
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(bound));
        File.Move(bound, path);
    }

    /// <summary>Read as another program would: .NET's own File.Read* take a shared flock, which our lock refuses.</summary>
    private static string ReadWithCat(string path)
    {
        using var cat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("cat", [path]) { RedirectStandardOutput = true })!;
        string text = cat.StandardOutput.ReadToEnd();
        cat.WaitForExit();
        return text;
    }
}
