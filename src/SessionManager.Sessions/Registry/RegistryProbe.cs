using SessionManager.Icp.Hosting;

namespace SessionManager.Sessions.Registry;

/// <summary>
/// The session registry for the systemd watchdog: a thread-pool work item takes its lock, the
/// one every logon, disconnect, timer and fdsapi query passes through. A new round is posted
/// only when the last one answered, so a lock that is never released holds one thread, not one
/// per round.
/// </summary>
internal sealed class RegistryProbe : ILivenessProbe
{
    /// <summary>
    /// Test only (documented in README, never set by the unit): "1" makes the third probe take the
    /// registry's lock and never release it, a real hang of every path through the registry, so
    /// that a test can see the watchdog stop pinging.
    /// </summary>
    internal const string TestHangVariable = "SM_TEST_HANG_REGISTRY";

    private readonly SessionRegistry _registry;
    private readonly bool _hangForTest = Environment.GetEnvironmentVariable(TestHangVariable) == "1";
    private int _answered = 1;
    private int _posts;

    public RegistryProbe(SessionRegistry registry) => _registry = registry;

    public string Name => "session registry";

    public bool Answered => Volatile.Read(ref _answered) == 1;

    public void Post()
    {
        if (Interlocked.Exchange(ref _answered, 0) == 0)
        {
            return; // the last round's work item has not run yet: it answers this one too
        }

        bool hang = _hangForTest && Interlocked.Increment(ref _posts) == 3;
        ThreadPool.UnsafeQueueUserWorkItem(static state =>
        {
            var (probe, hang) = state;
            probe._registry.Touch(hang);
            Volatile.Write(ref probe._answered, 1);
        }, (this, hang), preferLocal: false);
    }
}
