using Microsoft.Extensions.Time.Testing;
using SessionManager.FdsApi.Server;

namespace SessionManager.UnitTests;

/// <summary>FdsApi:MaxBufferedBytes accounting: reserve, wait in order, give back, never wait forever.</summary>
public sealed class ClientBufferBudgetTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Reservations_up_to_the_capacity_are_granted_at_once_and_released_bytes_return()
    {
        var budget = new ClientBufferBudget(100, _time);
        Assert.True(await budget.ReserveAsync(60, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.True(budget.TryReserve(40));
        Assert.False(budget.TryReserve(1));
        Assert.Equal(100, budget.InUse);

        budget.Release(60);
        budget.Release(40);
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task A_waiter_gets_the_room_a_release_frees_and_waiters_are_served_in_order()
    {
        var budget = new ClientBufferBudget(100, _time);
        Assert.True(budget.TryReserve(90));
        var large = budget.ReserveAsync(80, TimeSpan.FromSeconds(5), CancellationToken.None).AsTask();
        var small = budget.ReserveAsync(10, TimeSpan.FromSeconds(5), CancellationToken.None).AsTask();

        // 10 bytes are free, but the small one waits behind the large one; so does TryReserve.
        Assert.False(small.IsCompleted);
        Assert.False(budget.TryReserve(5));

        budget.Release(90);
        Assert.True(await large);
        Assert.True(await small);
        Assert.Equal(90, budget.InUse);
    }

    [Fact]
    public async Task A_wait_without_room_ends_false_after_its_time_and_lets_the_next_waiter_through()
    {
        var budget = new ClientBufferBudget(100, _time);
        Assert.True(budget.TryReserve(50));
        var tooLarge = budget.ReserveAsync(80, TimeSpan.FromSeconds(5), CancellationToken.None).AsTask();
        var fits = budget.ReserveAsync(40, TimeSpan.FromSeconds(10), CancellationToken.None).AsTask();

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(await tooLarge);
        Assert.True(await fits); // no longer behind the one that gave up
        Assert.Equal(90, budget.InUse);
    }

    [Fact]
    public async Task More_than_the_capacity_is_refused_at_once()
    {
        var budget = new ClientBufferBudget(100, _time);
        Assert.False(await budget.ReserveAsync(101, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(0, budget.InUse);
    }
}
