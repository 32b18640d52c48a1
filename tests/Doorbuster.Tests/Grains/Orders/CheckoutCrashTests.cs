using Doorbuster.Carts;
using Doorbuster.Inventory;
using Doorbuster.Orders;
using Doorbuster.Tests.Infrastructure;
using Orleans.Runtime;

namespace Doorbuster.Tests.Grains.Orders;

/// <summary>Checkouts and holds when a silo is killed in the middle of them.</summary>
[Collection(LongWindowClusterCollection.Name)]
public sealed class CheckoutCrashTests(LongWindowClusterFixture fixture)
{
    [Fact]
    public async Task CheckoutsInterruptedByAKilledSiloConvergeWhenRetriedWithTheirKeys()
    {
        // Arrange: 300 carts over four skus with enough stock for all.
        var skus = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            skus.Add(await OrderTestData.CreateProductAsync(fixture.Grains, stock: 1_000));

            // Skus in use: one hold of a shopper elsewhere keeps each sku's expiry reminder registered. Without it
            // the checkouts' first holds all wait for that registration and are answered in one burst, and the kill
            // (after the fifth answer) may find none left running.
            await fixture.Grains.GetGrain<IInventoryGrain>(skus[^1]).ReserveAsync($"elsewhere-{i}", CheckoutAttempt.New(), 1, fixture.Clocks.Now.AddHours(1));
        }

        var carts = Enumerable.Range(0, 300).Select(i => (CartId: $"crash-{Guid.NewGuid():N}", Sku: skus[i % skus.Count], Quantity: 1 + (i % 3))).ToList();
        foreach (var cart in carts)
        {
            await fixture.Grains.GetGrain<ICartGrain>(cart.CartId).AddAsync(cart.Sku, cart.Quantity, "USD");
        }

        try
        {
            // Act: 300 checkouts; once a few are answered and the rest are still running, a silo is killed.
            var victim = fixture.Cluster.SecondarySilos[0];
            var checkouts = carts.Select(cart => OrderTestData.CheckoutWithRetriesAsync(fixture.Grains, cart.CartId, "crash-key")).ToList();
            var inFlight = await Completions.WhenAnyNumberThenAsync(checkouts, 5, () => fixture.Cluster.KillSiloAsync(victim));
            var results = await Task.WhenAll(checkouts);

            // Assert: the kill met checkouts in flight; every order the client was told about exists, and the
            // stock of every sku is explained by them once the holds of abandoned attempts have gone back.
            Assert.True(inFlight > 0, "precondition: checkouts were still running when the silo was killed");
            Assert.All(results, r => Assert.Contains(r.Outcome, new[] { CheckoutOutcome.Created, CheckoutOutcome.Duplicate }));
            foreach (var result in results)
            {
                var stored = await fixture.Grains.GetGrain<IOrderGrain>(result.Order!.OrderId).GetAsync();
                Assert.True(stored is { Status: OrderStatus.PendingPayment }, $"order {result.Order.OrderId} should exist awaiting payment");
            }

            foreach (var sku in skus)
            {
                var ordered = carts.Where(c => c.Sku == sku).Sum(c => c.Quantity);
                var named = await NamedHoldsAsync(sku, results);
                Assert.True(named == ordered, $"sku {sku}: the holds the orders name hold {named}, but the orders bought {ordered}");
                var stock = await fixture.Grains.GetGrain<IInventoryGrain>(sku).GetAsync();
                Assert.True(stock.Reserved >= ordered, $"sku {sku}: reserved {stock.Reserved}, but orders hold {ordered}");
                OrderTestData.AssertInvariant(stock);
            }
        }
        finally
        {
            await fixture.RepairAsync();
        }
    }

    [Fact]
    public async Task AHotSkusInventoryKilledMidBatchKeepsEveryAcknowledgedHoldAndSellsNothingTwice()
    {
        // Arrange: one hot sku, its inventory on a silo that is not the primary.
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 300);
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        var host = await fixture.Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(inventory);
        var victim = fixture.Cluster.Silos.Single(s => s.SiloAddress == host);
        var expiresAt = fixture.Clocks.Now.AddMinutes(30);
        var orders = Enumerable.Range(0, 500).Select(i => ($"hot-{i}-{Guid.NewGuid():N}", CheckoutAttempt.New())).ToArray();
        try
        {
            // Act: 500 buyers for 300 units, 25 at a time; the inventory's silo dies while the batches are being
            // written. Without the gate, group commit answered all 500 within a few milliseconds of the first 20,
            // so the kill met nothing in flight (and once in CI, not even a task unfinished); through it, each
            // batch holds at most 25 and the remaining 480 need about 19 more writes.
            using var gate = new SemaphoreSlim(25);
            var reservations = orders.Select(order => ReserveUntilAnsweredAsync(gate, inventory, order.Item1, order.Item2, expiresAt)).ToList();
            var inFlight = await Completions.WhenAnyNumberThenAsync(reservations, 20, () => fixture.Cluster.KillSiloAsync(victim));
            var results = await Task.WhenAll(reservations);

            // Assert: exactly the units that exist were reserved, each acknowledged hold survived, none twice.
            Assert.True(inFlight > 0, "precondition: reservations were in flight when the silo was killed");
            Assert.Equal(300, results.Count(r => r.Holds));
            Assert.Equal(new StockLevel(sku, 0, 300, 0, 300), await inventory.GetAsync());
            Assert.Equal(200, results.Count(r => r.Outcome == ReservationOutcome.Insufficient));
        }
        finally
        {
            await fixture.RepairAsync();
        }
    }

    /// <summary>The units held, in Redis, by the attempts the placed orders name.</summary>
    private async Task<long> NamedHoldsAsync(string sku, CheckoutResult[] results)
    {
        var holds = await OrderTestData.StoredHoldsAsync(fixture, sku);
        long total = 0;
        foreach (var orderId in results.Select(r => r.Order!.OrderId).Distinct())
        {
            var mine = holds.Where(h => h.Key.StartsWith(orderId + ":", StringComparison.Ordinal)).ToList();
            if (mine.Count > 0)
            {
                var order = fixture.Grains.GetGrain<IOrderGrain>(orderId);
                var attempt = await OrderTestData.AttemptNamedByAsync(fixture, order, sku, mine.Select(h => HoldKey.FromField(h.Key).Attempt));
                total += mine.Where(h => HoldKey.FromField(h.Key).Attempt == attempt).Sum(h => (long)Reservation.Decode(h.Value).Quantity);
            }
        }

        return total;
    }

    /// <summary>A buyer who waits for <paramref name="gate"/>, then retries with the same attempt until the inventory answers.</summary>
    private static async Task<ReservationResult> ReserveUntilAnsweredAsync(SemaphoreSlim gate, IInventoryGrain inventory, string orderId, CheckoutAttempt attempt, DateTimeOffset expiresAt)
    {
        await gate.WaitAsync();
        try
        {
            for (var tries = 1; ; tries++)
            {
                try
                {
                    return await inventory.ReserveAsync(orderId, attempt, 1, expiresAt);
                }
                catch (Exception) when (tries < 120)
                {
                    await Task.Delay(250);
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }
}
