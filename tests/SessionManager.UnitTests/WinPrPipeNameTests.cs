using SessionManager.Testing.BackendProtocol;

namespace SessionManager.UnitTests;

/// <summary>WinPR's pipe names and socket paths, both ways (SESSIONS.md §2.3).</summary>
public sealed class WinPrPipeNameTests
{
    [Theory]
    [InlineData(@"\\.\pipe\ogon_10_X11", "/tmp/.pipe/ogon_10_X11")]
    [InlineData(@"\\.\pipe\ogon_2_Qt", "/tmp/.pipe/ogon_2_Qt")]
    public void A_pipe_name_maps_to_its_socket_path_in_tmp_pipe_and_back(string name, string path)
    {
        Assert.Equal(path, WinPrPipeName.ToPath(name));
        Assert.Equal(name, WinPrPipeName.FromPath(path));
    }

    [Fact]
    public void Another_pipe_directory_is_used_both_ways()
    {
        Assert.Equal("/run/sm-test/pipes/ogon_3_Qt", WinPrPipeName.ToPath(@"\\.\pipe\ogon_3_Qt", "/run/sm-test/pipes"));
        Assert.Equal(@"\\.\pipe\ogon_3_Qt", WinPrPipeName.FromPath("/run/sm-test/pipes/ogon_3_Qt", "/run/sm-test/pipes/"));
    }

    [Fact]
    public void Ogon_builds_the_names_ogon_uses()
    {
        Assert.Equal(@"\\.\pipe\ogon_10_X11", WinPrPipeName.Ogon(10, "X11"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ogon_10_X11")]
    [InlineData(@"\\.\PIPE\ogon_10_X11")] // WinPR compares the prefix case-sensitively
    [InlineData(@"\\.\pipe\")]
    [InlineData(@"\\.\pipe\..")]
    [InlineData(@"\\.\pipe\sub/ogon_10_X11")]
    public void Names_that_are_not_one_pipe_are_refused(string name)
    {
        Assert.Throws<ArgumentException>(() => WinPrPipeName.ToPath(name));
    }

    [Theory]
    [InlineData("/tmp/ogon_10_X11")]
    [InlineData("/tmp/.pipe/sub/ogon_10_X11")]
    [InlineData("/tmp/.pipe/")]
    public void Paths_outside_the_pipe_directory_have_no_pipe_name(string path)
    {
        Assert.Throws<ArgumentException>(() => WinPrPipeName.FromPath(path));
    }
}
