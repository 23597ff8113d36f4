using SessionManager.Icp.Protocol;
using SessionManager.Testing.BackendProtocol;

namespace SessionManager.Testing;

/// <summary>
/// How far one ogon client connection got. <see cref="RefusedBecause"/> is set when the RDS
/// would have closed the client (a property answer it cannot use, LogonUser not SUCCESS);
/// otherwise <see cref="Logon"/> and <see cref="Backend"/> tell the rest.
/// </summary>
public sealed record OgonConnectionResult(
    string? RefusedBecause,
    IReadOnlyList<RPCBase> Answers,
    LogonUserResponse? Logon = null,
    BackendExchangeResult? Backend = null)
{
    /// <summary>Logged on and the backend exchange succeeded: the client would see a desktop.</summary>
    public bool Succeeded => RefusedBecause is null && Backend?.Outcome == BackendExchangeOutcome.Ok;

    public override string ToString() => RefusedBecause ?? Backend?.ToString() ?? "no backend exchange";
}
