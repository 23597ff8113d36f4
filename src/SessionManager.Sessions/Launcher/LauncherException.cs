namespace SessionManager.Sessions.Launcher;

/// <summary>A launcher request failed; the message is the launcher's reason (never a password).</summary>
public class LauncherException : Exception
{
    public LauncherException(string message) : base(message) { }

    public LauncherException(string message, Exception inner) : base(message, inner) { }

    public LauncherException() { }
}

/// <summary>PAM refused the logon, or it did not finish within Auth:Timeout.</summary>
public sealed class AuthenticationFailedException : LauncherException
{
    public AuthenticationFailedException(string message) : base(message) { }

    public AuthenticationFailedException(string message, Exception inner) : base(message, inner) { }

    public AuthenticationFailedException() { }
}
