namespace SessionManager.Sessions.Logon;

/// <summary>Configuration section <c>Sessions</c>: the keys that are not per-user policy (those are in <see cref="Policies.SessionPolicy"/>).</summary>
public sealed class SessionsOptions
{
    public const string SectionName = "Sessions";

    /// <summary>The whole LogonUser answer is sent within this, whatever PAM or the backend do (the RDS waits 10 s).</summary>
    public TimeSpan LogonBudget { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary><c>logoff</c>: every session ends at shutdown; <c>keep</c>: they are left running.</summary>
    public string OnShutdown { get; set; } = "logoff";

    /// <summary>Where the in-session token files <c>ogon.session.&lt;sid&gt;</c> go (libogon-otsapi reads /tmp).</summary>
    public string TokenDirectory { get; set; } = "/tmp";

    /// <summary>How long a LogoffUserSession to the RDS may take before the connection is dropped anyway.</summary>
    public TimeSpan LogoffTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
