using Doorbuster.Inventory;
using Doorbuster.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Doorbuster.Tests.Grains;

[Collection(ClusterCollection.Name)]
[Trait(TestStore.Topology, TestStore.AnyTopology)]
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
            .Select(i => inventory.ReserveAsync($"order-{i}", CheckoutAttempt.New(), 1, InTenMinutes)));
        output.WriteLine($"1000 concurrent reserve calls on one sku answered in {clock.ElapsedMilliseconds} ms ({TestStore.Kind}, group commit)");

        // Assert
        Assert.Equal(100, results.Count(r => r.Outcome == ReservationOutcome.Reserved));
        Assert.Equal(900, results.Count(r => r.Outcome == ReservationOutcome.Insufficient));
        Assert.Equal(new StockLevel(sku, 0, 100, 0, 100), await inventory.GetAsync());

        // What was acknowledged is what Redis holds: a fresh activation reads the same.
        await Activations.DeactivateAsync(fixture.Grains, inventory);
        Assert.Equal(new StockLevel(sku, 0, 100, 0, 100), await inventory.GetAsync());
    }

    [Fact]
    public async Task ABurstLargerThanOneWriteCanCarryIsStoredInFullOverSeveralWrites()
    {
        // Arrange: more concurrent reservations than one write (one command) may carry.
        var sku = NewSku();
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.RestockAsync(20_000, idempotencyKey: null);
        var burst = (5 * RedisInventoryStore.MaxChangesPerWrite) + 500;

        // Act
        var results = await Task.WhenAll(Enumerable.Range(0, burst)
            .Select(i => inventory.ReserveAsync($"burst-{i}", CheckoutAttempt.New(), 1, InTenMinutes)));

        // Assert: every one held, and Redis holds every one.
        Assert.All(results, r => Assert.Equal(ReservationOutcome.Reserved, r.Outcome));
        await Activations.DeactivateAsync(fixture.Grains, inventory);
        Assert.Equal(new StockLevel(sku, 20_000 - burst, burst, 0, 20_000), await inventory.GetAsync());
        Assert.Equal(burst, (await Grains.Orders.OrderTestData.StoredHoldsAsync(fixture, sku)).Count);
    }

    [Fact]
    public async Task RepeatingReserveConfirmOrReleaseOfOneAttemptChangesNothing()
    {
        var sku = NewSku();
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.RestockAsync(10, idempotencyKey: null);
        var (paid, released) = (CheckoutAttempt.New(), CheckoutAttempt.New());

        Assert.Equal(ReservationOutcome.Reserved, (await inventory.ReserveAsync("paid", paid, 3, InTenMinutes)).Outcome);
        Assert.Equal(ReservationOutcome.AlreadyReserved, (await inventory.ReserveAsync("paid", paid, 3, InTenMinutes)).Outcome);
        Assert.Equal(ReservationOutcome.Reserved, (await inventory.ReserveAsync("released", released, 2, InTenMinutes)).Outcome);
        Assert.Equal(new StockLevel(sku, 5, 5, 0, 10), await inventory.GetAsync());

        Assert.Equal(HoldOutcome.Confirmed, await inventory.ConfirmAsync("paid", paid, 3));
        Assert.Equal(HoldOutcome.AlreadyConfirmed, await inventory.ConfirmAsync("paid", paid, 3));
        Assert.Equal(HoldOutcome.AlreadyConfirmed, await inventory.ReleaseAsync("paid", paid));
        Assert.Equal(ReservationOutcome.AlreadyReserved, (await inventory.ReserveAsync("paid", paid, 3, InTenMinutes)).Outcome);
        Assert.Equal(HoldOutcome.Released, await inventory.ReleaseAsync("released", released));
        Assert.Equal(HoldOutcome.NotHeld, await inventory.ReleaseAsync("released", released));
        Assert.Equal(HoldOutcome.NotHeld, await inventory.ConfirmAsync("released", released, 2));

        Assert.Equal(new StockLevel(sku, 7, 0, 3, 10), await inventory.GetAsync());

        // The memory of the confirmation is in Redis too: a new activation answers the repeat the same way.
        await Activations.DeactivateAsync(fixture.Grains, inventory);
        Assert.Equal(HoldOutcome.AlreadyConfirmed, await inventory.ConfirmAsync("paid", paid, 3));
        Assert.Equal(new StockLevel(sku, 7, 0, 3, 10), await inventory.GetAsync());
    }

    [Fact]
    public async Task EachCheckoutAttemptOfOneOrderHasAHoldOfItsOwnThatNoOtherAttemptCanTouch()
    {
        // Arrange: two attempts of one order hold different quantities (they read the cart at different moments).
        var sku = NewSku();
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.RestockAsync(5, idempotencyKey: null);
        var (winner, loser) = (CheckoutAttempt.New(), CheckoutAttempt.New());
        await inventory.ReserveAsync("order", winner, 3, InTenMinutes);
        await inventory.ReserveAsync("order", loser, 2, InTenMinutes.AddMinutes(1));
        await Activations.DeactivateAsync(fixture.Grains, inventory);

        // Act: the losing attempt undoes its own hold late (after a re-activation); the winner's is sold.
        var undo = await inventory.ReleaseAsync("order", loser);
        var sale = await inventory.ConfirmAsync("order", winner, 3);

        // Assert: neither touched the other's units.
        Assert.Equal((HoldOutcome.Released, HoldOutcome.Confirmed), (undo, sale));
        Assert.Equal(new StockLevel(sku, 2, 0, 3, 5), await inventory.GetAsync());
        Assert.Equal(HoldOutcome.NotHeld, await inventory.ConfirmAsync("order", loser, 2));
    }

    [Fact]
    public async Task ReservingAgainWithAnotherQuantityAdjustsTheHoldAllOrNothing()
    {
        var sku = NewSku();
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.RestockAsync(5, idempotencyKey: null);
        var attempt = CheckoutAttempt.New();
        await inventory.ReserveAsync("order", attempt, 2, InTenMinutes);

        Assert.Equal(ReservationOutcome.Reserved, (await inventory.ReserveAsync("order", attempt, 4, InTenMinutes)).Outcome);
        Assert.Equal(new StockLevel(sku, 1, 4, 0, 5), await inventory.GetAsync());
        Assert.Equal(ReservationOutcome.Insufficient, (await inventory.ReserveAsync("order", attempt, 6, InTenMinutes)).Outcome);
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
        await Activations.DeactivateAsync(fixture.Grains, inventory);
        var afterReload = await inventory.RestockAsync(7, "delivery-42");
        var otherQuantity = await inventory.RestockAsync(9, "delivery-42");

        Assert.Equal(RestockOutcome.Restocked, first.Outcome);
        Assert.All(again.Append(afterReload), r => Assert.Equal((RestockOutcome.Repeated, first.Stock), (r.Outcome, r.Stock)));
        Assert.Equal(RestockOutcome.KeyReused, otherQuantity.Outcome);
        Assert.Equal(new StockLevel(sku, 8, 0, 0, 8), await inventory.GetAsync());
    }

    [Fact]
    public async Task ANewActivationPurgesMoreLeftoversThanOneScriptCanUnpackInItsFirstWrite()
    {
        // Arrange: a book that kept 9,000 tombstones, as a crashed activation, or a long-lived one's expired restock
        // records, leave them for the next activation to purge: more than Redis' Lua unpacks at once (about 8,000;
        // Garnet's Lua has no such limit, so this bites against redis-server).
        // Before the purge went in chunks, that write failed after its HSET had been applied.
        var sku = NewSku();
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.RestockAsync(5, idempotencyKey: null);
        await Activations.DeactivateAsync(fixture.Grains, inventory);
        var book = Grains.Orders.OrderTestData.BookKey(fixture, sku);
        await fixture.Redis.GetDatabase().HashSetAsync(
            book, [.. Enumerable.Range(0, 9_000).Select(i => new HashEntry($"leftover-{i}:0", "~"))]);

        // Act: the new activation's first write carries the purge.
        var restocked = await inventory.RestockAsync(1, idempotencyKey: null);

        // Assert: stored, and only the counters are left in Redis.
        Assert.Equal(new StockLevel(sku, 6, 0, 0, 6), restocked.Stock);
        Assert.Equal(5, await fixture.Redis.GetDatabase().HashLengthAsync(book));
        await Activations.DeactivateAsync(fixture.Grains, inventory);
        Assert.Equal(new StockLevel(sku, 6, 0, 0, 6), await inventory.GetAsync());
    }

    [Fact]
    public async Task AHoldOfAnOrderThatNeverCameToBeReturnsItsUnitsOnceItExpires()
    {
        // Arrange: a hold of an order id no checkout ever stored (its checkout died before the order write).
        var sku = NewSku();
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.RestockAsync(5, idempotencyKey: null);
        var attempt = CheckoutAttempt.New();
        await inventory.ReserveAsync("abandoned", attempt, 4, fixture.Clocks.Now.AddMinutes(1));
        Assert.Equal(new StockLevel(sku, 1, 4, 0, 5), await inventory.GetAsync());

        // Act: the business clock passes the expiry and the inventory's grace.
        fixture.Clocks.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(2));

        // Assert: the sweep asked the order (which does not exist) and returned the units.
        var stock = await Eventually.ReturnsAsync(
            () => inventory.GetAsync(), s => s.Reserved == 0, TimeSpan.FromSeconds(10), $"inventory {sku} to return the expired hold");
        Assert.Equal(new StockLevel(sku, 5, 0, 0, 5), stock);
        Assert.Equal(HoldOutcome.NotHeld, await inventory.ConfirmAsync("abandoned", attempt, 1));
    }

    [Fact]
    public async Task AHoldIsAcknowledgedOnlyOnceItsExpiryReminderIsRegistered()
    {
        // A silo that dies right after acknowledging the first hold of a quiet sku, before any sweep ran, leaves
        // nothing else that would bring the sku back to expire the hold.
        var sku = NewSku();
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.RestockAsync(1, idempotencyKey: null);
        var reminders = fixture.SiloServices.GetRequiredService<IReminderTable>();
        Assert.Empty((await reminders.ReadRows(inventory.GetGrainId())).Reminders);

        var held = await inventory.ReserveAsync("first-hold", CheckoutAttempt.New(), 1, InTenMinutes);

        Assert.Equal(ReservationOutcome.Reserved, held.Outcome);
        Assert.Single((await reminders.ReadRows(inventory.GetGrainId())).Reminders);
    }

    [Fact]
    public async Task AHoldExpiresAlsoAfterItsActivationWasCollectedThroughTheReminder()
    {
        // Arrange: a hold, the expiry reminder registered by the sweep, then no activation.
        var sku = NewSku();
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.RestockAsync(3, idempotencyKey: null);
        await inventory.ReserveAsync("forgotten", CheckoutAttempt.New(), 3, fixture.Clocks.Now.AddMinutes(1));
        var reminders = fixture.SiloServices.GetRequiredService<IReminderTable>();
        await Eventually.ReturnsAsync(
            async () => (await reminders.ReadRows(inventory.GetGrainId())).Reminders.Count, count => count > 0, TimeSpan.FromSeconds(10),
            $"inventory {sku} to register its expiry reminder");

        // The test reminder, every 2 s, may bring the activation back in between: the helper asks until it is gone.
        await Activations.DeactivateAsync(fixture.Grains, inventory);

        // Act
        fixture.Clocks.Advance(TimeSpan.FromMinutes(2));

        // Assert: nobody calls the grain; the reminder brings it back and its sweep returns the units.
        await Eventually.ReturnsAsync(
            () => Activations.ExistAsync(fixture.Grains, inventory), exists => exists, TimeSpan.FromSeconds(20),
            $"the expiry reminder to reactivate inventory {sku}");
        var stock = await Eventually.ReturnsAsync(
            () => inventory.GetAsync(), s => s.Reserved == 0, TimeSpan.FromSeconds(10), $"inventory {sku} to return the expired hold");
        Assert.Equal(new StockLevel(sku, 3, 0, 0, 3), stock);
    }

    [Fact]
    public async Task ALateRetryWhoseExpiryHasPassedReservesNothing()
    {
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(NewSku());
        await inventory.RestockAsync(5, idempotencyKey: null);

        var result = await inventory.ReserveAsync("late", CheckoutAttempt.New(), 1, fixture.Clocks.Now.AddSeconds(-1));

        Assert.Equal(ReservationOutcome.Expired, result.Outcome);
        Assert.Equal(5, (await inventory.GetAsync()).Available);
    }
}
