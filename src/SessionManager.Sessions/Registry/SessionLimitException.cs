namespace SessionManager.Sessions.Registry;

/// <summary>A session limit would be passed; the message names the limit's key.</summary>
public sealed class SessionLimitException(string message) : Exception(message);
