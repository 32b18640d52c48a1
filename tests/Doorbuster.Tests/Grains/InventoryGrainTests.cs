using Doorbuster.Inventory;
using Doorbuster.Tests.Infrastructure;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace Doorbuster.Tests.Grains;

[Collection(ClusterCollection.Name)]
public sealed class InventoryGrainTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private DateTimeOffset InTenMinutes => fixture.Clocks.Now.AddMinutes(10);

    private static string NewSku() => $"inv-{Guid.NewGuid():N}";

    [Fact]
    public async Task ThousandConcurrentReservationsAgainstStockOfHundredReserveExactlyHundred()
    {
        // Arrange
        var sku = NewSku();
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.RestockAsync(100, idempotencyKey: null);

        // Act
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, 1000)
            .Select(i => inventory.ReserveAsync($"order-{i}", 1, InTenMinutes)));
        output.WriteLine($"1000 concurrent reserve calls on one sku answered in {clock.ElapsedMilliseconds} ms ({TestStore.Kind}, group commit)");

        // Assert
        Assert.Equal(100, results.Count(r => r.Outcome == ReservationOutcome.Reserved));
        Assert.Equal(900, results.Count(r => r.Outcome == ReservationOutcome.Insufficient));
        Assert.Equal(new StockLevel(sku, 0, 100, 0, 100), await inventory.GetAsync());

        // What was acknowledged is what Redis holds: a fresh activation reads the same.
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(new StockLevel(sku, 0, 100, 0, 100), await inventory.GetAsync());
    }

    [Fact]
    public async Task RepeatingReserveConfirmOrReleaseWithTheSameOrderIdChangesNothing()
    {
        var sku = NewSku();
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.RestockAsync(10, idempotencyKey: null);

        Assert.Equal(ReservationOutcome.Reserved, (await inventory.ReserveAsync("paid", 3, InTenMinutes)).Outcome);
        Assert.Equal(ReservationOutcome.AlreadyReserved, (await inventory.ReserveAsync("paid", 3, InTenMinutes)).Outcome);
        Assert.Equal(ReservationOutcome.Reserved, (await inventory.ReserveAsync("released", 2, InTenMinutes)).Outcome);
        Assert.Equal(new StockLevel(sku, 5, 5, 0, 10), await inventory.GetAsync());

        Assert.Equal(SettlementOutcome.Confirmed, await inventory.ConfirmAsync("paid", 3));
        Assert.Equal(SettlementOutcome.NotReserved, await inventory.ConfirmAsync("paid", 3));
        Assert.Equal(SettlementOutcome.NotReserved, await inventory.ReleaseAsync("paid"));
        Assert.Equal(SettlementOutcome.Released, await inventory.ReleaseAsync("released"));
        Assert.Equal(SettlementOutcome.NotReserved, await inventory.ReleaseAsync("released"));
        Assert.Equal(SettlementOutcome.NotReserved, await inventory.ConfirmAsync("released", 1));

        Assert.Equal(new StockLevel(sku, 7, 0, 3, 10), await inventory.GetAsync());
    }

    [Fact]
    public async Task ReservingAgainWithAnotherQuantityAdjustsTheHoldAllOrNothing()
    {
        var sku = NewSku();
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.RestockAsync(5, idempotencyKey: null);
        await inventory.ReserveAsync("order", 2, InTenMinutes);

        Assert.Equal(ReservationOutcome.Reserved, (await inventory.ReserveAsync("order", 4, InTenMinutes)).Outcome);
        Assert.Equal(new StockLevel(sku, 1, 4, 0, 5), await inventory.GetAsync());
        Assert.Equal(ReservationOutcome.Insufficient, (await inventory.ReserveAsync("order", 6, InTenMinutes)).Outcome);
        Assert.Equal(new StockLevel(sku, 1, 4, 0, 5), await inventory.GetAsync());
    }

    [Fact]
    public async Task ARestockRepeatedWithItsIdempotencyKeyIsCountedOnceAndAnsweredTheSame()
    {
        var sku = NewSku();
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);

        var first = await inventory.RestockAsync(7, "delivery-42");
        await inventory.RestockAsync(1, idempotencyKey: null);
        var again = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => inventory.RestockAsync(7, "delivery-42")));
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var afterReload = await inventory.RestockAsync(7, "delivery-42");
        var otherQuantity = await inventory.RestockAsync(9, "delivery-42");

        Assert.Equal(RestockOutcome.Restocked, first.Outcome);
        Assert.All(again.Append(afterReload), r => Assert.Equal((RestockOutcome.Repeated, first.Stock), (r.Outcome, r.Stock)));
        Assert.Equal(RestockOutcome.KeyReused, otherQuantity.Outcome);
        Assert.Equal(new StockLevel(sku, 8, 0, 0, 8), await inventory.GetAsync());
    }

    [Fact]
    public async Task AReservationOfAnOrderThatNeverCameToBeReturnsItsUnitsOnceItExpires()
    {
        // Arrange: a hold of an order id no checkout ever stored (its checkout died before the order write).
        var sku = NewSku();
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.RestockAsync(5, idempotencyKey: null);
        await inventory.ReserveAsync("abandoned", 4, fixture.Clocks.Now.AddMinutes(1));
        Assert.Equal(new StockLevel(sku, 1, 4, 0, 5), await inventory.GetAsync());

        // Act: the business clock passes the expiry and the inventory's grace.
        fixture.Clocks.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(2));

        // Assert: the sweep asked the order (which does not exist) and returned the units.
        var stock = await Eventually.ReturnsAsync(
            () => inventory.GetAsync(), s => s.Reserved == 0, TimeSpan.FromSeconds(10), $"inventory {sku} to return the expired reservation");
        Assert.Equal(new StockLevel(sku, 5, 0, 0, 5), stock);
        Assert.Equal(SettlementOutcome.NotReserved, await inventory.ConfirmAsync("abandoned", 1));
    }

    [Fact]
    public async Task AReservationExpiresAlsoAfterItsActivationWasCollectedThroughTheReminder()
    {
        // Arrange: a hold, then time for the sweep to register the expiry reminder, then no activation.
        var sku = NewSku();
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.RestockAsync(3, idempotencyKey: null);
        await inventory.ReserveAsync("forgotten", 3, fixture.Clocks.Now.AddMinutes(1));
        await Task.Delay(TimeSpan.FromSeconds(2));

        // The test reminder, every 2 s, may bring the activation back in between: the helper asks until it is gone.
        await Activations.DeactivateAsync(fixture.Grains, inventory);

        // Act
        fixture.Clocks.Advance(TimeSpan.FromMinutes(2));

        // Assert: nobody calls the grain; the reminder brings it back and its sweep returns the units.
        await Eventually.ReturnsAsync(
            () => Activations.ExistAsync(fixture.Grains, inventory), exists => exists, TimeSpan.FromSeconds(20),
            $"the expiry reminder to reactivate inventory {sku}");
        var stock = await Eventually.ReturnsAsync(
            () => inventory.GetAsync(), s => s.Reserved == 0, TimeSpan.FromSeconds(10), $"inventory {sku} to return the expired reservation");
        Assert.Equal(new StockLevel(sku, 3, 0, 0, 3), stock);
    }

    [Fact]
    public async Task AFailedCheckoutAttemptReleasesOnlyItsOwnHoldNotOneALaterAttemptTookOver()
    {
        // Arrange: two attempts of one order; the later one re-times the hold to its own expiry. The expiries
        // are finer than a millisecond and the activation is replaced in between, so the hold compared is the
        // one read back from Redis (kept to the millisecond).
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(NewSku());
        await inventory.RestockAsync(5, idempotencyKey: null);
        var firstAttempt = fixture.Clocks.Now.AddMinutes(10).AddTicks(1234);
        var laterAttempt = firstAttempt.AddSeconds(3);
        await inventory.ReserveAsync("two-attempts", 2, firstAttempt);
        Assert.Equal(ReservationOutcome.AlreadyReserved, (await inventory.ReserveAsync("two-attempts", 2, laterAttempt)).Outcome);
        await Activations.DeactivateAsync(fixture.Grains, inventory);

        // Act: the first attempt fails late and undoes what it reserved.
        var lateUndo = await inventory.ReleaseAttemptAsync("two-attempts", firstAttempt);

        // Assert: the later attempt keeps the units; its own undo would release them.
        Assert.Equal(SettlementOutcome.HeldByAnotherAttempt, lateUndo);
        Assert.Equal(new StockLevel(inventory.GetPrimaryKeyString(), 3, 2, 0, 5), await inventory.GetAsync());
        Assert.Equal(SettlementOutcome.Released, await inventory.ReleaseAttemptAsync("two-attempts", laterAttempt));
        Assert.Equal(new StockLevel(inventory.GetPrimaryKeyString(), 5, 0, 0, 5), await inventory.GetAsync());
    }

    [Fact]
    public async Task ALateRetryWhoseExpiryHasPassedReservesNothing()
    {
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(NewSku());
        await inventory.RestockAsync(5, idempotencyKey: null);

        var result = await inventory.ReserveAsync("late", 1, fixture.Clocks.Now.AddSeconds(-1));

        Assert.Equal(ReservationOutcome.Expired, result.Outcome);
        Assert.Equal(5, (await inventory.GetAsync()).Available);
    }
}
