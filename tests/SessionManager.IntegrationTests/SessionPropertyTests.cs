using System.Security.Cryptography.X509Certificates;
using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;

namespace SessionManager.IntegrationTests;

/// <summary>The Property calls over ICP (SESSIONS.md §6), as the ogon RDS asks them.</summary>
[Collection(SessionTestGroup.Name)]
public sealed class SessionPropertyTests
{
    [RootFact]
    public async Task PropertyBulk_answers_one_typed_result_per_request_in_order_from_configuration_and_defaults()
    {
        await using var rig = await SessionRig.StartAsync("Properties:ogon.bitrate=5000", "Properties:ogon.showDebugInfo=yes");
        var bulk = new PropertyBulkRequest { ConnectionId = 1 };
        (EnumPropertyType, string)[] asked =
        [
            (EnumPropertyType.PropNumber, "ogon.bitrate"),
            (EnumPropertyType.PropString, "no.such.path"),
            (EnumPropertyType.PropBool, "ogon.showDebugInfo"),
            (EnumPropertyType.PropString, "ssl.certificate"),
            (EnumPropertyType.PropBool, "ogon.forceWeakRdpKey"),
            (EnumPropertyType.PropString, "ssl.key"),
        ];
        bulk.Properties.AddRange(asked.Select(p => new PropertyReq { PropertyType = p.Item1, PropertyPath = p.Item2 }));

        var answer = await rig.Rds.RequestAsync((uint)MsgType.PropertyBulk, bulk);

        var results = PropertyBulkResponse.Parser.ParseFrom(answer.Payload).Results;
        Assert.Equal(asked.Length, results.Count);
        Assert.Equal((true, 5000), (results[0].Success, results[0].IntValue));
        Assert.False(results[1].Success);
        Assert.Equal((true, true), (results[2].Success, results[2].BoolValue));
        Assert.Equal((true, Path.Combine(rig.Daemon.DataDirectory, "rds.crt")), (results[3].Success, results[3].StringValue));
        Assert.Equal((true, false), (results[4].Success, results[4].BoolValue));
        Assert.Equal((true, Path.Combine(rig.Daemon.DataDirectory, "rds.key")), (results[5].Success, results[5].StringValue));
    }

    [RootFact]
    public async Task The_TLS_pair_the_daemon_made_at_start_is_a_self_signed_RSA_2048_certificate_and_a_root_only_key()
    {
        await using var rig = await SessionRig.StartAsync();
        string certificatePath = await StringAsync(rig, "ssl.certificate");
        string keyPath = await StringAsync(rig, "ssl.key");

        Assert.True(File.Exists(certificatePath) && File.Exists(keyPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        Assert.Equal(0u, await Account.OwnerOfAsync(keyPath));
        using var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        Assert.True(certificate.HasPrivateKey); // the key is the certificate's
        Assert.Equal(2048, certificate.GetRSAPublicKey()!.KeySize);
        Assert.Equal(certificate.SubjectName.RawData, certificate.IssuerName.RawData);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(certificate), "signed by its own key: " + string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Single(chain.ChainElements);
    }

    [RootFact]
    public async Task A_value_that_does_not_parse_is_not_found_and_logged_once()
    {
        await using var rig = await SessionRig.StartAsync("Properties:ogon.showDebugInfo=loud");

        var first = await rig.Rds.RequestAsync((uint)MsgType.PropertyBool, new PropertyBoolRequest { ConnectionId = 1, Path = "ogon.showDebugInfo" });
        var second = await rig.Rds.RequestAsync((uint)MsgType.PropertyBool, new PropertyBoolRequest { ConnectionId = 2, Path = "ogon.showDebugInfo" });
        var logon = await rig.LogonAsync(3, "smtest1", SessionRig.Password1); // its PropertyBulk asks it too

        Assert.False(PropertyBoolResponse.Parser.ParseFrom(first.Payload).Success);
        Assert.False(PropertyBoolResponse.Parser.ParseFrom(second.Payload).Success);
        Assert.False(PropertyBulkResponse.Parser.ParseFrom(logon.Answers[0].Payload).Results[3].Success);
        Assert.True(logon.Succeeded, logon.RefusedBecause); // a bad optional setting does not refuse the client
        var bad = Assert.Single(rig.Daemon.Logs.WithEventName("PropertyValueUnparsable"));
        Assert.Equal(("ogon.showDebugInfo", "loud"), (bad.Text("Path"), bad.Text("Value")));
    }

    [RootFact]
    public async Task Current_connection_resolution_is_the_size_the_connections_client_asked_for()
    {
        await using var rig = await SessionRig.StartAsync();
        var logon = await rig.Rds.PlayOgonConnectionAsync(new Testing.OgonClientConnection(5, "smtest1", SessionRig.Password1, Width: 1280, Height: 1024), rig.PipeDirectory);
        Assert.True(logon.Succeeded, logon.RefusedBecause);

        var xres = await NumberAsync(rig, 5, "current.connection.xres");
        var yres = await NumberAsync(rig, 5, "current.connection.yres");
        var unknownConnection = await NumberAsync(rig, 9, "current.connection.xres");

        Assert.Equal((true, 1280u), (xres.Success, xres.Value));
        Assert.Equal((true, 1024u), (yres.Success, yres.Value));
        Assert.False(unknownConnection.Success);
    }

    private static async Task<string> StringAsync(SessionRig rig, string path)
    {
        var answer = PropertyStringResponse.Parser.ParseFrom((await rig.Rds.RequestAsync((uint)MsgType.PropertyString, new PropertyStringRequest { ConnectionId = 1, Path = path })).Payload);
        Assert.True(answer.Success, path);
        return answer.Value;
    }

    private static async Task<PropertyNumberResponse> NumberAsync(SessionRig rig, uint connectionId, string path) =>
        PropertyNumberResponse.Parser.ParseFrom((await rig.Rds.RequestAsync((uint)MsgType.PropertyNumber, new PropertyNumberRequest { ConnectionId = connectionId, Path = path })).Payload);
}
