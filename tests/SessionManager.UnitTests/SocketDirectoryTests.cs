using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using SessionManager.Icp.Hosting;

namespace SessionManager.UnitTests;

/// <summary>
/// The socket's directory on the real file system: made with the right mode when missing, and
/// refused when someone else could swap the socket in it. (These tests run as root, like the
/// test command, so that a directory can be given to another user.)
/// </summary>
public sealed class SocketDirectoryTests : IDisposable
{
    private const UnixFileMode Mode0755 = (UnixFileMode)0b111_101_101;
    private const UnixFileMode Mode1777 = (UnixFileMode)0b1_111_111_111;

    private readonly DirectoryInfo _parent = Directory.CreateTempSubdirectory("sm-ut-");

    private string Dir => Path.Combine(_parent.FullName, "pipes");

    public void Dispose() => _parent.Delete(recursive: true);

    [Fact]
    public void WinPRs_pipe_directory_is_made_sticky_and_world_writable_any_other_0755()
    {
        Assert.Equal(Mode1777, SocketDirectory.ModeForNew("/tmp/.pipe"));
        Assert.Equal(Mode1777, SocketDirectory.ModeForNew("/tmp/.pipe/"));
        Assert.Equal(Mode0755, SocketDirectory.ModeForNew("/tmp/.pipe2"));
        Assert.Equal(Mode0755, SocketDirectory.ModeForNew("/run/sessionmanager"));
    }

    [Fact]
    public void A_missing_directory_is_created_0755_whatever_the_umask()
    {
        Directory.CreateDirectory(Dir);
        Directory.Delete(Dir);

        SocketDirectory.Prepare(Path.Combine(Dir, "deeper"), NullLogger.Instance);

        Assert.Equal(Mode0755, File.GetUnixFileMode(Path.Combine(Dir, "deeper")));
        Assert.Equal(Mode0755, File.GetUnixFileMode(Dir));
    }

    [Fact]
    public void A_directory_anyone_may_write_to_without_the_sticky_bit_is_refused()
    {
        Directory.CreateDirectory(Dir);
        File.SetUnixFileMode(Dir, (UnixFileMode)0b111_111_111);

        var ex = Assert.Throws<StartupException>(() => SocketDirectory.Prepare(Dir, NullLogger.Instance));

        Assert.Equal($"Icp:SocketPath: directory {Dir} (mode 0777) is writable by group or others without the sticky bit: a local user could swap the sockets", ex.Message);
    }

    [Fact]
    public void A_group_writable_directory_without_the_sticky_bit_is_refused()
    {
        Directory.CreateDirectory(Dir);
        File.SetUnixFileMode(Dir, (UnixFileMode)0b111_111_101);

        var ex = Assert.Throws<StartupException>(() => SocketDirectory.Prepare(Dir, NullLogger.Instance));

        Assert.Contains("a local user could swap the sockets", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sticky_world_writable_directory_like_tmp_is_accepted()
    {
        Directory.CreateDirectory(Dir);
        File.SetUnixFileMode(Dir, Mode1777);

        SocketDirectory.Prepare(Dir, NullLogger.Instance);

        Assert.Equal(Mode1777, File.GetUnixFileMode(Dir));
    }

    [Fact]
    public void A_directory_owned_by_another_user_is_refused()
    {
        Directory.CreateDirectory(Dir);
        File.SetUnixFileMode(Dir, Mode0755);
        Chown("65534", Dir);

        var ex = Assert.Throws<StartupException>(() => SocketDirectory.Prepare(Dir, NullLogger.Instance));

        Assert.StartsWith($"Icp:SocketPath: directory {Dir} is owned by uid 65534, not by root or by us", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("a local user could swap the sockets", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_where_the_directory_should_be_is_named()
    {
        File.WriteAllText(Dir, "");

        var ex = Assert.Throws<StartupException>(() => SocketDirectory.Prepare(Dir, NullLogger.Instance));

        Assert.Equal($"Icp:SocketPath: {Dir} is not a directory", ex.Message);
    }

    [Fact]
    public void The_socket_binder_checks_the_directory_before_anything_else()
    {
        Directory.CreateDirectory(Dir);
        File.SetUnixFileMode(Dir, (UnixFileMode)0b111_111_111);
        var socketPath = Path.Combine(Dir, "sm.sock");

        Assert.Throws<StartupException>(() => UnixSocketBinder.Bind(new SessionManager.Icp.IcpOptions { SocketPath = socketPath }, NullLogger.Instance));

        Assert.Empty(Directory.GetFileSystemEntries(Dir));
    }

    private static void Chown(string owner, string path)
    {
        using var chown = Process.Start("chown", [owner, path]);
        chown.WaitForExit();
        Assert.True(chown.ExitCode == 0, $"chown {owner} {path} failed: these tests must run as root");
    }
}
