using SessionManager.Icp.Connection;
using SessionManager.Icp.Errors;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;

namespace SessionManager.UnitTests;

/// <summary>
/// Issue 20 item 1: the pending-call table's bounds per session and per token, which keep one
/// user from filling it for everyone, and the heartbeat's exemption from its total bound.
/// </summary>
public class PendingCallBoundsTests
{
    private const uint Message = (uint)MsgType.Message;

    private static readonly PendingCallLimits Limits = new(Total: 10, PerSession: 3, PerToken: 5);

    private static PendingCall Register(PendingCallTable table, IcpCallOptions options, long deadline = long.MaxValue) =>
        table.Register(Message, 0, deadline, TimeSpan.FromSeconds(10), options);

    private static IcpCallOptions For(int sessionId, string? token = null) => new() { Caller = new IcpCaller(sessionId, token) };

    [Fact]
    public void A_session_at_its_bound_is_refused_naming_it_while_other_sessions_and_the_daemon_go_on()
    {
        var table = new PendingCallTable(Limits);
        for (int i = 0; i < 3; i++)
        {
            Register(table, For(5));
        }

        var ex = Assert.Throws<IcpLimitException>(() => Register(table, For(5)));

        Assert.Equal("ICP Message not sent: session 5 has 3 calls waiting for the RDS server already (Icp:MaxPendingCallsPerSession)", ex.Message);
        Register(table, For(6));
        Register(table, default);
        Assert.Equal(5, table.Count);
        Assert.Equal(3, table.CountOfSession(5));
    }

    [Fact]
    public void A_call_counts_against_its_session_until_it_ends_however_it_ends()
    {
        var table = new PendingCallTable(Limits);
        var answered = Register(table, For(5));
        var removed = Register(table, For(5));
        var expiring = Register(table, For(5), deadline: 100);
        Assert.Throws<IcpLimitException>(() => Register(table, For(5)));

        table.TakeAnswered(answered.Tag)!.Complete(RpcMessages.Success(answered.Tag, Message, new MessageResponse { Result = 1 }), onReaderAndIdle: false);
        Assert.Equal(2, table.CountOfSession(5));
        Assert.True(table.Remove(removed));
        Assert.Equal(1, table.CountOfSession(5));
        Assert.Single(table.TakeExpired(now: 100)!);
        Assert.Equal(0, table.CountOfSession(5));

        for (int i = 0; i < 3; i++)
        {
            Register(table, For(5));
        }

        table.AbandonAll("shutdown");
        Assert.Equal(0, table.CountOfSession(5));
        Register(table, For(5));
    }

    [Fact]
    public void A_token_at_its_bound_is_refused_on_any_session_without_the_token_in_the_message()
    {
        const string token = "b1946ac92492d2347c6235b4d2611184";
        var table = new PendingCallTable(Limits);
        for (int session = 1; session <= 5; session++)
        {
            Register(table, For(session, token));
        }

        var ex = Assert.Throws<IcpLimitException>(() => Register(table, For(6, token)));

        Assert.Equal("ICP Message not sent: 5 calls made with this token are waiting for the RDS server already (Icp:MaxPendingCallsPerToken)", ex.Message);
        Assert.DoesNotContain(token, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, For(6, token).ToString(), StringComparison.Ordinal);
        Register(table, For(6, "another token"));
        Register(table, For(6));
    }

    [Fact]
    public void The_heartbeat_is_not_refused_by_a_full_table()
    {
        var table = new PendingCallTable(Limits);
        for (int session = 0; session < 10; session++)
        {
            Register(table, For(session));
        }

        Assert.Throws<IcpLimitException>(() => Register(table, default));
        var ping = table.Register((uint)MsgType.Ping, 0, long.MaxValue, TimeSpan.FromSeconds(5), new IcpCallOptions { IsHeartbeat = true });

        Assert.Equal(11, table.Count);
        Assert.True(ping.IsHeartbeat);
    }

    [Fact]
    public void A_box_without_a_timeout_is_shown_for_the_ceiling_and_a_shorter_one_as_asked()
    {
        var ceiling = TimeSpan.FromMinutes(10);

        Assert.Equal(600u, IcpCallOptions.BoundedMessageBoxTimeout(0, ceiling));
        Assert.Equal(600u, IcpCallOptions.BoundedMessageBoxTimeout(86_400, ceiling));
        Assert.Equal(30u, IcpCallOptions.BoundedMessageBoxTimeout(30, ceiling));
        Assert.Equal(TimeSpan.FromSeconds(605), IcpCallOptions.MessageBoxWait(IcpCallOptions.BoundedMessageBoxTimeout(0, ceiling)));
    }
}
