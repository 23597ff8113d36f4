using SessionManager.Icp.Connection;
using SessionManager.Sessions.Registry;

namespace SessionManager.Sessions.Logon;

/// <summary>A LogonUser (or ReconnectUser) as the session service needs it.</summary>
public sealed record LogonRequest(uint ConnectionId, long LinkGeneration, PeerCredentials Rds, string User, string Password, ClientInfo Client);

/// <summary>The answer to a logon: the endpoint and cookies of the session the connection gets.</summary>
public sealed record LogonGrant(SessionRecord Session, string ServiceEndpoint);
