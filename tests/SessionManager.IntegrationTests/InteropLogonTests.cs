using System.Text.RegularExpressions;
using SessionManager.IntegrationTests.Support;

namespace SessionManager.IntegrationTests;

/// <summary>
/// The client-connection sequence of the ogon RDS server (SESSIONS.md §1: PropertyBulk,
/// PropertyString tcp.keepalive.params, LogonUser) played by the protobuf-c peer of
/// tests/interop against the daemon with sessions on. protobuf-c refuses a message that lacks
/// a required field, so an answer the peer prints as decoded proves the daemon set all of
/// them, as the RDS's own decoder needs (§2.6: otherwise BAD_RESPONSE and no connection).
/// </summary>
[Collection(SessionTestGroup.Name)]
public sealed partial class InteropLogonTests : IAsyncLifetime
{
    private string _directory = null!;
    private Daemon _daemon = null!;

    public async Task InitializeAsync()
    {
        _directory = SessionRig.CreateDirectory();
        _daemon = await Daemon.StartAsync(SessionRig.DaemonSettings(_directory));
    }

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [RootFact]
    public async Task A_user_with_the_right_password_gets_a_desktop_answer_protobuf_c_decodes_in_full()
    {
        var logon = await PlayAsync("1", "smtest1", SessionRig.Password1);

        Assert.Equal(@"\\.\pipe\ogon_2_X11", logon["serviceEndpoint"]);
        Assert.Equal(("1920", "1200"), (logon["maxWidth"], logon["maxHeight"]));
        var session = _daemon.Sessions.Find(2)!;
        Assert.Equal((session.BackendCookie, session.OgonCookie), (logon["backendCookie"], logon["ogonCookie"]));
        Assert.Equal("smtest1", session.User);
    }

    [RootFact]
    public async Task A_wrong_password_gets_the_greeter_in_an_answer_protobuf_c_decodes_in_full()
    {
        // The greeter ends when the peer leaves (its RDS link is lost): its record is taken from
        // the event stream, not looked up afterwards.
        var created = new TaskCompletionSource<SessionManager.Sessions.Registry.SessionRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = _daemon.Sessions.Events.Subscribe(e =>
        {
            if (e.Kind == SessionManager.Sessions.Registry.SessionEventKind.Created)
            {
                created.TrySetResult(e.Session);
            }

            return ValueTask.CompletedTask;
        });

        var logon = await PlayAsync("1", "smtest1", "not-the-password");

        Assert.Equal(@"\\.\pipe\ogon_2_Qt", logon["serviceEndpoint"]);
        Assert.Equal(("1920", "1200"), (logon["maxWidth"], logon["maxHeight"]));
        var session = await created.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(session.IsGreeter);
        Assert.Equal((session.BackendCookie, session.OgonCookie), (logon["backendCookie"], logon["ogonCookie"]));
    }

    /// <summary>Runs the peer's script for one connection, checks the two property answers and
    /// returns the fields of the decoded LogonUser answer.</summary>
    private async Task<Dictionary<string, string>> PlayAsync(string connectionId, string user, string password)
    {
        // The peer is killed once its script is done: the RDS link is lost, the sessions stay.
        using var rds = new InteropPeer(InteropPeer.Start(InteropPeer.Binary("icp_peer"),
            "--socket", _daemon.SocketPath, "--logon", $"{connectionId}:{user}:{password}"));
        await rds.WaitForLineAsync(l => l.StartsWith("logons done ", StringComparison.Ordinal), "the end of its logon script");
        Assert.Contains("logons done ok=1 failed=0", rds.Lines);

        Assert.Contains($"PropertyBulk connectionId={connectionId} decoded results=9", rds.Lines);
        var results = rds.Lines.Where(l => l.StartsWith("PropertyBulk.result ", StringComparison.Ordinal)).Select(Fields).ToList();
        Assert.Equal(Enumerable.Range(0, 9).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), results.Select(r => r["index"]));
        // The RDS refuses every RDP connection without both paths as strings (§6.2).
        Assert.Equal(("ssl.certificate", "1", Path.Combine(_daemon.DataDirectory, "rds.crt")), (results[0]["path"], results[0]["success"], results[0]["string"]));
        Assert.Equal(("ssl.key", "1", Path.Combine(_daemon.DataDirectory, "rds.key")), (results[1]["path"], results[1]["success"], results[1]["string"]));

        Assert.Contains($"PropertyString connectionId={connectionId} decoded path=tcp.keepalive.params success=1 value=-1,-1", rds.Lines);

        var logon = Fields(rds.Lines.Single(l => l.StartsWith($"LogonUser connectionId={connectionId} decoded ", StringComparison.Ordinal)));
        Assert.True(logon["backendCookie"].Length >= 22 && logon["ogonCookie"].Length >= 22, "cookies are set");
        return logon;
    }

    private static Dictionary<string, string> Fields(string line) =>
        FieldPattern().Matches(line).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

    [GeneratedRegex(@"(\w+)=(\S*)")]
    private static partial Regex FieldPattern();
}
