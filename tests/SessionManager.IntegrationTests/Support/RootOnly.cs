namespace SessionManager.IntegrationTests.Support;

/// <summary>
/// Tests that need root: real PAM, real identity switches, the test users of
/// tests/setup-test-host.sh. The test command runs as root, so they run there. Outside it they
/// are skipped with the reason, except under CI (CI=true), where a skip would hide that nothing
/// was proved: there they run, and fail if the machine is not set up.
/// </summary>
internal static class RootOnly
{
    public static string? SkipReason =>
        LauncherTestHost.geteuid() == 0 || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
            ? null
            : "needs root (real PAM, setuid): run tests/run-all.sh as root";
}

public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute() => Skip = RootOnly.SkipReason;
}

public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute() => Skip = RootOnly.SkipReason;
}
