using SessionManager.Fuzz;

// The fuzzing run of issue 8: mutated ICP frames and Thrift messages at a daemon of its own;
// prints the figures and exits 1 on a crash, a hang, unbounded memory or errors in its log.
//   SessionManager.Fuzz [--daemon PATH] [--icp-frames N] [--thrift-messages N] [--seed N] [--short]
try
{
    var (settings, daemon) = FuzzOptions.Parse(args);
    var report = await FuzzRun.RunAsync(settings, daemon, Console.Out);
    report.Print(Console.Out);
    if (report.Failures().Count > 0)
    {
        Console.WriteLine($"the daemon's log and files are kept in {report.Scratch}");
        return 1;
    }

    Directory.Delete(report.Scratch, recursive: true);
    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
