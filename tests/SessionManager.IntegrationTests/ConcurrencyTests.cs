using SessionManager.Icp.Protocol;
using SessionManager.IntegrationTests.Support;
using SessionManager.Testing;

namespace SessionManager.IntegrationTests;

/// <summary>Many calls in flight at once: matched by tag, answered in any order, no thread held while waiting.</summary>
public sealed class ConcurrencyTests
{
    private const int InFlight = 200;

    [Fact]
    public async Task Two_hundred_calls_answered_out_of_order_each_reach_their_own_client_and_ping_is_not_starved()
    {
        await using var daemon = await Daemon.StartAsync("Icp:RequestTimeout=00:02:00");
        await using var rds = await daemon.ConnectRdsAsync();
        var clients = await Task.WhenAll(Enumerable.Range(0, InFlight).Select(_ => daemon.ClientAsync()));
        try
        {
            var calls = clients.Select((c, i) => c.virtualChannelOpen("", i, $"ch{i}", false, 0)).ToArray();
            var requests = new List<RPCBase>();
            for (int i = 0; i < InFlight; i++)
            {
                requests.Add(await rds.ReadRequestAsync(TimeSpan.FromSeconds(30)));
            }

            Assert.Equal(InFlight, requests.Select(r => r.Tag).Distinct().Count());
            Assert.All(calls, c => Assert.False(c.IsCompleted));

            // With all 200 waiting on the RDS server, another client is still served at once.
            using (var pinger = await daemon.ClientAsync())
            {
                Assert.Equal(99, await pinger.ping(99).WaitAsync(TimeSpan.FromSeconds(10)));
            }

            // Answer in a shuffled order.
            foreach (var request in requests.OrderBy(r => (r.Tag * 7919u) % 1009u))
            {
                var open = VirtualChannelOpenRequest.Parser.ParseFrom(request.Payload);
                await rds.AnswerAsync(request, new VirtualChannelOpenResponse { ConnectionString = $"pipe-{open.ConnectionId}-{open.VirtualName}", Instance = open.ConnectionId });
            }

            var results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30));
            for (int i = 0; i < InFlight; i++)
            {
                Assert.Equal($"pipe-{i}-ch{i}", results[i].PipeName);
                Assert.Equal(i, results[i].Instance);
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_slow_RDS_server_with_many_waiting_calls_does_not_delay_its_own_Ping()
    {
        await using var daemon = await Daemon.StartAsync();
        await using var rds = await daemon.ConnectRdsAsync();
        var clients = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => daemon.ClientAsync()));
        var calls = clients.Select((c, i) => c.virtualChannelClose("", i, "x", 1)).ToArray();
        for (int i = 0; i < calls.Length; i++)
        {
            await rds.ReadRequestAsync();
        }

        var pong = await rds.RequestAsync((uint)MsgType.Ping, new PingRequest());
        Assert.True(PingResponse.Parser.ParseFrom(pong.Payload).Pong);
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }
}
