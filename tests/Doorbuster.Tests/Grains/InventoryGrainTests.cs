using Doorbuster.Inventory;
using Doorbuster.Tests.Infrastructure;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace Doorbuster.Tests.Grains;

[Collection(ClusterCollection.Name)]
public sealed class InventoryGrainTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private static DateTimeOffset InTenMinutes => DateTimeOffset.UtcNow.AddMinutes(10);

    private static string NewSku() => $"inv-{Guid.NewGuid():N}";

    [Fact]
    public async Task ThousandConcurrentReservationsAgainstStockOfHundredReserveExactlyHundred()
    {
        // Arrange
        var sku = NewSku();
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.RestockAsync(100);

        // Act
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, 1000)
            .Select(i => inventory.ReserveAsync($"order-{i}", 1, InTenMinutes)));
        output.WriteLine($"1000 concurrent reserve calls on one sku answered in {clock.ElapsedMilliseconds} ms (Redis storage, group commit)");

        // Assert
        Assert.Equal(100, results.Count(r => r.Outcome == ReservationOutcome.Reserved));
        Assert.Equal(900, results.Count(r => r.Outcome == ReservationOutcome.Insufficient));
        var stock = await inventory.GetAsync();
        Assert.Equal(new StockLevel(sku, 0, 100, 0, 100), stock);

        // What was acknowledged is what Redis holds: a fresh activation reads the same.
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(new StockLevel(sku, 0, 100, 0, 100), await inventory.GetAsync());
    }

    [Fact]
    public async Task RepeatingReserveConfirmOrReleaseWithTheSameOrderIdChangesNothing()
    {
        var sku = NewSku();
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.RestockAsync(10);

        Assert.Equal(ReservationOutcome.Reserved, (await inventory.ReserveAsync("paid", 3, InTenMinutes)).Outcome);
        Assert.Equal(ReservationOutcome.AlreadyReserved, (await inventory.ReserveAsync("paid", 3, InTenMinutes)).Outcome);
        Assert.Equal(ReservationOutcome.Reserved, (await inventory.ReserveAsync("released", 2, InTenMinutes)).Outcome);
        Assert.Equal(new StockLevel(sku, 5, 5, 0, 10), await inventory.GetAsync());

        Assert.Equal(SettlementOutcome.Confirmed, await inventory.ConfirmAsync("paid"));
        Assert.Equal(SettlementOutcome.AlreadyConfirmed, await inventory.ConfirmAsync("paid"));
        Assert.Equal(SettlementOutcome.AlreadyConfirmed, await inventory.ReleaseAsync("paid"));
        Assert.Equal(SettlementOutcome.Released, await inventory.ReleaseAsync("released"));
        Assert.Equal(SettlementOutcome.AlreadyReleased, await inventory.ReleaseAsync("released"));
        Assert.Equal(SettlementOutcome.AlreadyReleased, await inventory.ConfirmAsync("released"));
        Assert.Equal(ReservationOutcome.AlreadySettled, (await inventory.ReserveAsync("paid", 3, InTenMinutes)).Outcome);
        Assert.Equal(ReservationOutcome.AlreadySettled, (await inventory.ReserveAsync("released", 2, InTenMinutes)).Outcome);
        Assert.Equal(SettlementOutcome.NotReserved, await inventory.ConfirmAsync("never-reserved"));

        Assert.Equal(new StockLevel(sku, 7, 0, 3, 10), await inventory.GetAsync());
    }

    [Fact]
    public async Task AReservationThatIsNeitherConfirmedNorReleasedReturnsItsUnitsAfterItExpires()
    {
        var sku = NewSku();
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.RestockAsync(5);

        await inventory.ReserveAsync("abandoned", 4, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(new StockLevel(sku, 1, 4, 0, 5), await inventory.GetAsync());

        var stock = await Eventually.ReturnsAsync(
            () => inventory.GetAsync(), s => s.Reserved == 0, TimeSpan.FromSeconds(20), $"inventory {sku} to return the expired reservation");
        Assert.Equal(new StockLevel(sku, 5, 0, 0, 5), stock);
        Assert.Equal(SettlementOutcome.AlreadyReleased, await inventory.ConfirmAsync("abandoned"));
    }

    [Fact]
    public async Task ALateRetryWhoseExpiryHasPassedReservesNothing()
    {
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(NewSku());
        await inventory.RestockAsync(5);

        var result = await inventory.ReserveAsync("late", 1, DateTimeOffset.UtcNow.AddSeconds(-1));

        Assert.Equal(ReservationOutcome.Expired, result.Outcome);
        Assert.Equal(5, (await inventory.GetAsync()).Available);
    }
}
