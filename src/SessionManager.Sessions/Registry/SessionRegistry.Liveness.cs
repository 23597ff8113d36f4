namespace SessionManager.Sessions.Registry;

public sealed partial class SessionRegistry
{
    /// <summary>Takes the lock and lets it go (<see cref="RegistryProbe"/>); with <paramref name="hangForTest"/>, never lets it go.</summary>
    internal void Touch(bool hangForTest)
    {
        lock (_sync)
        {
            if (hangForTest)
            {
                Thread.Sleep(Timeout.Infinite);
            }
        }
    }
}
