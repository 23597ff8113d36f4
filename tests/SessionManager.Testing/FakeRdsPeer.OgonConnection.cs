using Google.Protobuf;
using SessionManager.Icp.Protocol;
using SessionManager.Testing.BackendProtocol;

namespace SessionManager.Testing;

/// <summary>
/// The ICP traffic of one client connection of the unmodified ogon RDS, in the order of
/// SESSIONS.md §1 (rows 3-6): PropertyBulk, PropertyString tcp.keepalive.params, LogonUser,
/// then the backend activation on the answered endpoint within 20 ms.
/// </summary>
public sealed partial class FakeRdsPeer
{
    /// <summary>The bulk request of O rds/frontend.c:1389-1398: two strings, then seven ogon.* settings (§6.1).</summary>
    public static readonly IReadOnlyList<(EnumPropertyType Type, string Path)> OgonBulkProperties =
    [
        (EnumPropertyType.PropString, "ssl.certificate"),
        (EnumPropertyType.PropString, "ssl.key"),
        (EnumPropertyType.PropBool, "ogon.forceWeakRdpKey"),
        (EnumPropertyType.PropBool, "ogon.showDebugInfo"),
        (EnumPropertyType.PropBool, "ogon.disableGraphicsPipeline"),
        (EnumPropertyType.PropNumber, "ogon.bitrate"),
        (EnumPropertyType.PropBool, "ogon.disableGraphicsPipelineH264"),
        (EnumPropertyType.PropBool, "ogon.enableFullAVC444"),
        (EnumPropertyType.PropBool, "ogon.restrictAVC444"),
    ];

    /// <summary>
    /// Plays one client connection as the ogon RDS does (sequence of SESSIONS.md §1) and stops
    /// where the RDS would close the client. The three requests go one after another, each
    /// waiting for its answer, as the RDS's synchronous calls do. Not yet run against the daemon
    /// (it does not answer these calls yet); the backend part is
    /// <see cref="BackendEndpointClient.ActivateLikeOgonAsync"/>, tested against the stand-in.
    /// </summary>
    public Task<OgonConnectionResult> PlayOgonConnectionAsync(
        OgonClientConnection client,
        string pipeDirectory = WinPrPipeName.DefaultDirectory,
        TimeSpan? backendTimeout = null) =>
        PlayOgonConnectionAsync(client, pipeDirectory, backendTimeout, RequestAsync);

    /// <summary>The sequence, with each request sent and answered by <paramref name="request"/>.</summary>
    private static async Task<OgonConnectionResult> PlayOgonConnectionAsync(
        OgonClientConnection client,
        string pipeDirectory,
        TimeSpan? backendTimeout,
        Func<uint, IMessage, Task<RPCBase>> request)
    {
        ArgumentNullException.ThrowIfNull(client);
        var answers = new List<RPCBase>();

        var bulk = new PropertyBulkRequest { ConnectionId = client.ConnectionId };
        bulk.Properties.AddRange(OgonBulkProperties.Select(p => new PropertyReq { PropertyType = p.Type, PropertyPath = p.Path }));
        var bulkAnswer = await request((uint)MsgType.PropertyBulk, bulk);
        answers.Add(bulkAnswer);
        if (CheckBulkAnswer(bulkAnswer) is { } bulkProblem)
        {
            return new(bulkProblem, answers);
        }

        // The keepalive answer only tunes the socket; the RDS goes on whatever it is (O rds/peer.c:1236-1268).
        answers.Add(await request((uint)MsgType.PropertyString,
            new PropertyStringRequest { ConnectionId = client.ConnectionId, Path = "tcp.keepalive.params" }));

        var logonAnswer = await request((uint)MsgType.LogonUser, new LogonUserRequest
        {
            ConnectionId = client.ConnectionId,
            Username = client.Username,
            Password = client.Password,
            Domain = client.Domain,
            Width = client.Width,
            Height = client.Height,
            ColorDepth = client.ColorDepth,
            ClientHostName = client.ClientHostName,
            ClientAddress = client.ClientAddress,
            ClientBuildNumber = client.ClientBuildNumber,
            ClientProductId = 1,
            ClientHardwareId = 0,
            ClientProtocolType = 2,
        });
        answers.Add(logonAnswer);
        if (logonAnswer.Status != RPCStatus.Success)
        {
            return new($"LogonUser answered {logonAnswer.Status}: the RDS closes the client (§2.6)", answers);
        }

        var logon = LogonUserResponse.Parser.ParseFrom(logonAnswer.Payload);
        var activation = new BackendActivation(logon.OgonCookie, logon.BackendCookie,
            Clamp(client.Width, logon.MaxWidth), Clamp(client.Height, logon.MaxHeight), client.ConnectionId);
        var backend = await BackendEndpointClient.ActivateLikeOgonAsync(logon.ServiceEndpoint, activation, pipeDirectory, backendTimeout);
        return new(null, answers, logon, backend);
    }

    // The RDS refuses the connection unless it gets both TLS file paths (O rds/frontend.c:1414-1436, §6.2).
    private static string? CheckBulkAnswer(RPCBase answer)
    {
        if (answer.Status != RPCStatus.Success)
        {
            return $"PropertyBulk answered {answer.Status}: the RDS refuses every RDP connection";
        }

        PropertyBulkResponse response;
        try
        {
            response = PropertyBulkResponse.Parser.ParseFrom(answer.Payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            return $"PropertyBulk answer does not parse: {e.Message}";
        }

        if (response.Results.Count != OgonBulkProperties.Count)
        {
            return $"PropertyBulk answered {response.Results.Count} results for {OgonBulkProperties.Count} properties: BAD_RESPONSE";
        }

        for (int i = 0; i < 2; i++)
        {
            if (!response.Results[i].Success || !response.Results[i].HasStringValue)
            {
                return $"PropertyBulk gave no string for {OgonBulkProperties[i].Path}: the RDS refuses the connection";
            }
        }

        return null;
    }

    // A non-zero maximum that the client exceeds clamps the first activation (§2.4).
    private static uint Clamp(uint requested, uint maximum) => maximum != 0 && requested > maximum ? maximum : requested;
}
