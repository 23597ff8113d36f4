using SessionManager.FdsApi.Generated;
using Thrift;
using Thrift.Protocol;
using Thrift.Protocol.Entities;
using Thrift.Transport;
using Thrift.Transport.Client;
using static SessionManager.Fuzz.RandomValues;
using Args = SessionManager.FdsApi.Generated.fdsapi.InternalStructs;

namespace SessionManager.Fuzz.Thrift;

/// <summary>
/// Valid fdsapi calls of every method in FDSAPI.md, with random arguments, serialized into memory
/// by ApacheThrift's own protocols (binary strict or compact), unframed: framing is the
/// fuzzer's, so it can lie about it. logonConnection (a launcher and PAM) is drawn only at the
/// logon share.
/// </summary>
public sealed class ThriftCallFactory(double logonShare)
{
    /// <summary>Names of every method; unknown-method mutations pick names near these.</summary>
    public static readonly string[] MethodNames =
    [
        "getVersionInfo", "getPermissionForToken", "logoffConnection", "ping", "virtualChannelOpen",
        "virtualChannelClose", "disconnectSession", "logoffSession", "enumerateSessions", "querySessionInformation",
        "startRemoteControlSession", "stopRemoteControlSession", "sendMessage",
    ];

    public const string LogonMethod = "logonConnection";

    private static readonly TConfiguration Configuration = new();

    public (string Method, TBase Args) RandomCall(Random rng)
    {
        string method = rng.NextDouble() < logonShare ? LogonMethod : MethodNames[rng.Next(MethodNames.Length)];
        return (method, ArgsOf(rng, method));
    }

    /// <summary>The serialized call: message header, argument struct, nothing around it.</summary>
    public static async Task<byte[]> SerializeAsync(bool compact, string method, TMessageType type, int seqId, TBase args)
    {
        var (memory, protocol) = MemoryProtocol(compact);
        await protocol.WriteMessageBeginAsync(new TMessage(method, type, seqId));
        await args.WriteAsync(protocol, CancellationToken.None);
        await protocol.WriteMessageEndAsync();
        await protocol.Transport.FlushAsync(CancellationToken.None);
        return memory.ToArray();
    }

    /// <summary>A protocol writing into a fresh memory stream (the stream's bytes are the message).</summary>
    public static (MemoryStream Memory, TProtocol Protocol) MemoryProtocol(bool compact)
    {
        var memory = new MemoryStream();
        TTransport transport = new TStreamTransport(null, memory, Configuration);
        TProtocol protocol = compact ? new TCompactProtocol(transport) : new TBinaryProtocol(transport);
        return (memory, protocol);
    }

    private static string Token(Random rng) => rng.Next(4) switch
    {
        0 => "",
        1 => "HUGO",
        2 => Convert.ToBase64String(ByteMutator.Garbage(rng, 24)),
        _ => Text(rng),
    };

    public static TBase ArgsOf(Random rng, string method) => method switch
    {
        "getVersionInfo" => new Args.getVersionInfo_args { VersionInfo = new TVersion { VersionMajor = I32(rng), VersionMinor = I32(rng) } },
        LogonMethod => new Args.logonConnection_args { Username = rng.Next(2) == 0 ? "fuzz1" : "root", Password = Text(rng), Domain = Text(rng) },
        "getPermissionForToken" => new Args.getPermissionForToken_args { AuthToken = Token(rng) },
        "logoffConnection" => new Args.logoffConnection_args { AuthToken = Token(rng) },
        "ping" => new Args.ping_args { Input = I32(rng) },
        "virtualChannelOpen" => new Args.virtualChannelOpen_args
        {
            AuthToken = Token(rng), SessionId = I32(rng), VirtualName = Text(rng), IsDynChannel = Bool(rng), Flags = I32(rng),
        },
        "virtualChannelClose" => new Args.virtualChannelClose_args { AuthToken = Token(rng), SessionId = I32(rng), VirtualName = Text(rng), Instance = I32(rng) },
        "disconnectSession" => new Args.disconnectSession_args { AuthToken = Token(rng), SessionId = I32(rng), Wait = Bool(rng) },
        "logoffSession" => new Args.logoffSession_args { AuthToken = Token(rng), SessionId = I32(rng), Wait = Bool(rng) },
        "enumerateSessions" => new Args.enumerateSessions_args { AuthToken = Token(rng), Version = I32(rng) },
        "querySessionInformation" => new Args.querySessionInformation_args { AuthToken = Token(rng), SessionId = I32(rng), InfoClass = rng.Next(2) == 0 ? rng.Next(30) : I32(rng) },
        "startRemoteControlSession" => new Args.startRemoteControlSession_args
        {
            AuthToken = Token(rng), SourceLogonId = I32(rng), TargetLogonId = I32(rng), HotkeyVk = (sbyte)rng.Next(-128, 128),
            HotkeyModifiers = (short)rng.Next(short.MinValue, short.MaxValue), Flags = I32(rng),
        },
        "stopRemoteControlSession" => new Args.stopRemoteControlSession_args { AuthToken = Token(rng), SourceLogonId = I32(rng), TargetLogonId = I32(rng) },
        "sendMessage" => new Args.sendMessage_args
        {
            AuthToken = Token(rng), SessionId = I32(rng), Title = Text(rng), Message = Text(rng), Style = I32(rng),
            Timeout = rng.Next(3), Wait = Bool(rng),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "not an fdsapi method"),
    };
}
