namespace SessionManager.Sessions.Logon;

/// <summary>
/// Maintenance mode (smctl drain): while on, a logon that would need a new user session is
/// refused; reconnects to existing sessions and the sessions themselves are untouched.
/// </summary>
public sealed class DrainSwitch
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

    /// <summary>Sets the mode; true if it changed.</summary>
    public bool Set(bool draining)
    {
        bool was = _draining;
        _draining = draining;
        return was != draining;
    }
}
