using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SessionManager.FdsApi;
using SessionManager.FdsApi.Handler;
using SessionManager.FdsApi.Logging;
using SessionManager.FdsApi.Server;
using SessionManager.Icp;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Link;
using SessionManager.Icp.Protocol;
using SessionManager.UnitTests.Support;

namespace SessionManager.UnitTests;

/// <summary>
/// Issue 20 item 1 at the fdsapi handler: whom a bridged call counts against. The handler called
/// directly, the RDS server played by the fake peer, which leaves every box open.
/// </summary>
public sealed class FdsApiCallBoundsTests
{
    private static readonly TimeSpan Wait = IcpConnectionHarness.Wait;

    private static async Task<(IcpConnectionHarness Icp, FdsApiHandler Handler)> StartAsync(bool requireToken, IcpOptions icpOptions)
    {
        var link = new RdsLink(NullLogger<RdsLink>.Instance);
        var icp = await IcpConnectionHarness.StartAsync(icpOptions, owner: link);
        await icp.Peer.HandshakeAsync();
        var deps = new FdsApiDependencies(new RdsClient(link, Options.Create(icpOptions)), new IdentitySessionRouting(), new AllowAllCallGate(), new InFlightCalls(),
            new FdsApiLogLimits(NullLogger<FdsApiLogLimits>.Instance, TimeProvider.System), NullLogger<FdsApiHandler>.Instance,
            options: Options.Create(new FdsApiOptions { RequireToken = requireToken }));
        return (icp, new FdsApiHandler(deps, new CallFailureSlot()));
    }

    [Fact]
    public async Task A_token_acting_on_many_sessions_is_bounded_when_tokens_are_checked()
    {
        var (icp, handler) = await StartAsync(requireToken: true, new IcpOptions { MaxPendingCallsPerToken = 3, MaxPendingCallsPerSession = 2 });
        await using var _ = icp;

        for (int session = 1; session <= 3; session++)
        {
            Assert.Equal(32001, await handler.sendMessage("admin-token", session, "t", "m", 0, 0, false).WaitAsync(Wait));
        }

        var refused = await Assert.ThrowsAsync<IcpLimitException>(() => handler.sendMessage("admin-token", 4, "t", "m", 0, 0, false));
        Assert.Contains("(Icp:MaxPendingCallsPerToken)", refused.Message, StringComparison.Ordinal);
        Assert.Equal(32001, await handler.sendMessage("other-token", 4, "t", "m", 0, 0, false).WaitAsync(Wait));
    }

    [Fact]
    public async Task Unchecked_tokens_name_nobody_so_only_the_session_bound_applies()
    {
        var (icp, handler) = await StartAsync(requireToken: false, new IcpOptions { MaxPendingCallsPerToken = 3, MaxPendingCallsPerSession = 2 });
        await using var _ = icp;

        for (int session = 1; session <= 4; session++)
        {
            Assert.Equal(32001, await handler.sendMessage("HUGO", session, "t", "m", 0, 0, false).WaitAsync(Wait));
        }

        Assert.Equal(32001, await handler.sendMessage("HUGO", 4, "t", "m", 0, 0, false).WaitAsync(Wait));
        var refused = await Assert.ThrowsAsync<IcpLimitException>(() => handler.sendMessage("HUGO", 4, "t", "m", 0, 0, false));
        Assert.Contains("session 4 has 2 calls waiting for the RDS server already (Icp:MaxPendingCallsPerSession)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_box_without_a_timeout_is_sent_with_the_ceiling_and_a_waiting_caller_gets_its_answer()
    {
        var (icp, handler) = await StartAsync(requireToken: false, new IcpOptions { MessageBoxMaxWait = TimeSpan.FromMinutes(2) });
        await using var _ = icp;

        var answer = handler.sendMessage("", 7, "t", "m", 0, 0, true);
        var box = await icp.Peer.ReadRequestAsync();

        Assert.Equal(120u, MessageRequest.Parser.ParseFrom(box.Payload).Timeout);
        await icp.Peer.AnswerAsync(box, new MessageResponse { Result = 32000 });
        Assert.Equal(32000, await answer.WaitAsync(Wait));
    }
}
