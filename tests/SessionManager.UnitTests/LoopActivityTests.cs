using SessionManager.Icp.Hosting;

namespace SessionManager.UnitTests;

/// <summary>What the systemd watchdog counts as a loop that answers.</summary>
public sealed class LoopActivityTests
{
    [Fact]
    public void A_loop_waiting_for_input_answers_however_long_it_waits()
    {
        var loop = new LoopActivity("accept");
        loop.Waiting();
        loop.Post();

        Assert.True(loop.Answered);
    }

    [Fact]
    public void A_loop_busy_with_one_piece_of_work_for_the_whole_round_does_not_answer()
    {
        var loop = new LoopActivity("accept");
        loop.Waiting();
        loop.Working();
        loop.Post();

        Assert.False(loop.Answered);
        loop.Waiting(); // the work ended
        Assert.True(loop.Answered);
    }

    [Fact]
    public void A_busy_loop_that_went_round_since_the_probe_answers()
    {
        var loop = new LoopActivity("reader");
        loop.Working();
        loop.Post();
        loop.Waiting();
        loop.Working();

        Assert.True(loop.Answered);
    }
}
