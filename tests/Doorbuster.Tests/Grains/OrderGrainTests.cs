using Doorbuster.Carts;
using Doorbuster.Catalog;
using Doorbuster.Inventory;
using Doorbuster.Orders;
using Doorbuster.Tests.Infrastructure;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Doorbuster.Tests.Grains;

/// <summary>Each way an unpaid order expires, on its own, and the rule that a paid order never loses a line.</summary>
[Collection(ClusterCollection.Name)]
public sealed class OrderExpiryTests(ClusterFixture fixture)
{
    private TimeSpan Window => fixture.PaymentWindow;

    [Fact]
    public async Task AnOrderReadAfterItsDeadlineIsExpiredAndReturnsItsUnitsAtOnce()
    {
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5);
        var order = await OrderTestData.CheckoutAsync(fixture.Grains, sku, quantity: 2);
        Assert.Equal((3L, 2L), await OrderTestData.StockAsync(fixture.Grains, sku));

        // Past the order's deadline, but short of the inventory's grace: only the read can expire it.
        fixture.Clocks.Advance(Window + TimeSpan.FromMilliseconds(300));
        var read = await fixture.Grains.GetGrain<IOrderGrain>(order.OrderId).GetAsync();

        Assert.Equal(OrderStatus.Expired, read!.Status);
        Assert.Equal((5L, 0L), await OrderTestData.StockAsync(fixture.Grains, sku));
        Assert.Equal(OrderActionOutcome.Conflict, (await fixture.Grains.GetGrain<IOrderGrain>(order.OrderId).PayAsync()).Outcome);
    }

    [Fact]
    public async Task AnOrderNobodyReadsIsExpiredByItsInventoryWhenTheReservationLapses()
    {
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5);
        var order = await OrderTestData.CheckoutAsync(fixture.Grains, sku, quantity: 2);

        fixture.Clocks.Advance(Window + TimeSpan.FromSeconds(2));

        // Nothing reads the order: the inventory's sweep asks it, it expires, and the units return.
        var stock = await Eventually.ReturnsAsync(
            () => OrderTestData.StockAsync(fixture.Grains, sku), s => s.Reserved == 0, TimeSpan.FromSeconds(10), $"units of {sku} to return");
        Assert.Equal((5L, 0L), stock);
        Assert.Equal(OrderStatus.Expired, (await fixture.Grains.GetGrain<IOrderGrain>(order.OrderId).GetAsync())!.Status);
    }

    [Fact]
    public async Task AnUnpaidOrderExpiresEvenWhenTheSiloHostingItWasKilled()
    {
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 4);
        var order = await OrderTestData.CheckoutAsync(fixture.Grains, sku, quantity: 3);
        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        var host = await management.GetActivationAddress(fixture.Grains.GetGrain<IOrderGrain>(order.OrderId));
        try
        {
            // Act: the order's silo dies, then its deadline passes.
            await fixture.Cluster.KillSiloAsync(fixture.Cluster.Silos.Single(s => s.SiloAddress == host));
            fixture.Clocks.Advance(Window + TimeSpan.FromSeconds(2));

            // Assert
            var stock = await Eventually.ReturnsAsync(
                () => OrderTestData.StockAsync(fixture.Grains, sku), s => s.Reserved == 0, TimeSpan.FromSeconds(60), $"units of {sku} to return after the kill");
            Assert.Equal((4L, 0L), stock);
            Assert.Equal(OrderStatus.Expired, (await fixture.Grains.GetGrain<IOrderGrain>(order.OrderId).GetAsync())!.Status);
        }
        finally
        {
            await fixture.RepairAsync();
        }
    }

    [Fact]
    public async Task AnInventoryWhoseClockRunsAheadNeverTakesALineFromAnOrderThatIsStillPayable()
    {
        // Arrange: a two-line order whose order grain lives on one silo, and one line's inventory on another.
        var (order, skus, orderSilo, skewedSilo) = await OrderTestData.OrderSpreadOverTwoSilosAsync(fixture);

        OrderActionResult paid;
        try
        {
            // Act: the inventory's silo runs past the deadline and its grace; the order's silo is a minute short of it.
            fixture.Clocks.For(skewedSilo.Name).Advance(Window + TimeSpan.FromSeconds(5));
            foreach (var silo in fixture.Cluster.Silos.Where(s => s.Name != skewedSilo.Name))
            {
                fixture.Clocks.For(silo.Name).Advance(Window - TimeSpan.FromMinutes(1));
            }

            await Task.Delay(TimeSpan.FromSeconds(3)); // several sweeps of the skewed inventory ask the order
            paid = await fixture.Grains.GetGrain<IOrderGrain>(order.OrderId).PayAsync();
        }
        finally
        {
            fixture.Clocks.AlignToLatest();
        }

        // Assert: every line was still held, so every line is sold.
        Assert.Equal((OrderActionOutcome.Done, OrderStatus.Paid), (paid.Outcome, paid.Order!.Status));
        foreach (var sku in skus)
        {
            var stock = await fixture.Grains.GetGrain<IInventoryGrain>(sku).GetAsync();
            Assert.True(stock is { Reserved: 0, Sold: 1 }, $"order {order.OrderId} on {orderSilo.Name}: line {sku} should be sold, stock is {stock}");
        }
    }
}

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
            await Completions.WhenAnyNumberAsync(checkouts, 5);
            var inFlight = checkouts.Count(c => !c.IsCompleted);
            await fixture.Cluster.KillSiloAsync(victim);
            var results = await Task.WhenAll(checkouts);

            // Assert: the kill met checkouts in flight; every order the client was told about exists, and the
            // stock of every sku is explained by them.
            Assert.True(inFlight > 0, "precondition: checkouts were still running when the silo was killed");
            Assert.All(results, r => Assert.Contains(r.Outcome, new[] { CheckoutOutcome.Created, CheckoutOutcome.Duplicate }));
            foreach (var result in results)
            {
                var stored = await fixture.Grains.GetGrain<IOrderGrain>(result.Order!.OrderId).GetAsync();
                Assert.True(stored is { Status: OrderStatus.PendingPayment }, $"order {result.Order.OrderId} should exist awaiting payment");
            }

            foreach (var sku in skus)
            {
                var stock = await fixture.Grains.GetGrain<IInventoryGrain>(sku).GetAsync();
                var ordered = carts.Where(c => c.Sku == sku).Sum(c => c.Quantity);
                Assert.True(stock.Reserved == ordered, $"sku {sku}: reserved {stock.Reserved}, but orders hold {ordered}");
                OrderTestData.AssertInvariant(stock);
            }
        }
        finally
        {
            await fixture.RepairAsync();
        }
    }

    [Fact]
    public async Task ARetryThatReachesASecondActivationOfItsOrderIsAnsweredWithTheOrderTheFirstPlaced()
    {
        // Arrange: a second activation of the order, which saw no order when it was activated.
        var second = await fixture.StartSecondActivationsAsync();
        try
        {
            var (sku, cartId, orderId) = await OrderTestData.OrderASecondActivationSawAsNoneAsync(fixture.Grains, second, quantity: 2);

            // Act: the first activation places the order; the client's retry reaches the second one.
            var placed = await fixture.Grains.GetGrain<IOrderGrain>(orderId).CheckoutAsync(cartId);
            var retried = await second.GrainFactory.GetGrain<IOrderGrain>(orderId).CheckoutAsync(cartId);

            // Assert: the retry is told about the order (not "empty cart": the cart gave its lines to it).
            Assert.Equal(CheckoutOutcome.Created, placed.Outcome);
            Assert.Equal(CheckoutOutcome.Duplicate, retried.Outcome);
            Assert.Equal(placed.Order!.OrderId, retried.Order!.OrderId);
            Assert.Equal(placed.Order.ExpiresAt, retried.Order.ExpiresAt);
            Assert.Equal(OrderStatus.PendingPayment, retried.Order.Status);
            Assert.Equal((3L, 2L), await OrderTestData.StockAsync(fixture.Grains, sku));
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task ASecondActivationThatSawNoOrderNeverTellsAnInventoryToReleaseALineThatWasPaid()
    {
        // Arrange: a second activation of the order made before the order existed; then the order is placed and paid.
        var second = await fixture.StartSecondActivationsAsync();
        try
        {
            var (sku, cartId, orderId) = await OrderTestData.OrderASecondActivationSawAsNoneAsync(fixture.Grains, second, quantity: 1);
            Assert.Equal(CheckoutOutcome.Created, (await fixture.Grains.GetGrain<IOrderGrain>(orderId).CheckoutAsync(cartId)).Outcome);
            Assert.Equal(OrderActionOutcome.Done, (await fixture.Grains.GetGrain<IOrderGrain>(orderId).PayAsync()).Outcome);

            // Act: an inventory whose line is still held (its confirmation was lost) asks, and reaches the second activation.
            var decision = await second.GrainFactory.GetGrain<IOrderGrain>(orderId).DecideExpiredReservationAsync(sku);

            // Assert: the paid line is confirmed, not released to be sold again.
            Assert.Equal(ReservationVerdict.Confirm, decision.Verdict);
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task AHotSkusInventoryKilledMidBatchKeepsEveryAcknowledgedReservationAndSellsNothingTwice()
    {
        // Arrange: one hot sku, its inventory on a silo that is not the primary.
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 300);
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        var host = await management.GetActivationAddress(inventory);
        var victim = fixture.Cluster.Silos.Single(s => s.SiloAddress == host);
        var expiresAt = fixture.Clocks.Now.AddMinutes(30);
        var orders = Enumerable.Range(0, 500).Select(i => $"hot-{i}-{Guid.NewGuid():N}").ToArray();
        try
        {
            // Act: 500 buyers for 300 units; the inventory's silo dies while the batches are being written.
            var reservations = orders.Select(order => ReserveUntilAnsweredAsync(inventory, order, expiresAt)).ToList();
            await Completions.WhenAnyNumberAsync(reservations, 20);
            var inFlight = reservations.Count(r => !r.IsCompleted);
            await fixture.Cluster.KillSiloAsync(victim);
            var results = await Task.WhenAll(reservations);

            // Assert: exactly the units that exist were reserved, each acknowledged hold survived, none twice.
            Assert.True(inFlight > 0, "precondition: reservations were in flight when the silo was killed");
            var held = results.Count(r => r.Holds);
            var stock = await inventory.GetAsync();
            Assert.Equal(300, held);
            Assert.Equal(new StockLevel(sku, 0, 300, 0, 300), stock);
            Assert.Equal(200, results.Count(r => r.Outcome == ReservationOutcome.Insufficient));
        }
        finally
        {
            await fixture.RepairAsync();
        }
    }

    /// <summary>A buyer who retries with the same order id until the inventory answers (as the order grain does).</summary>
    private static async Task<ReservationResult> ReserveUntilAnsweredAsync(IInventoryGrain inventory, string orderId, DateTimeOffset expiresAt)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await inventory.ReserveAsync(orderId, 1, expiresAt);
            }
            catch (Exception) when (attempt < 120)
            {
                await Task.Delay(250);
            }
        }
    }
}

internal static class OrderTestData
{
    public static async Task<string> CreateProductAsync(IGrainFactory grains, int stock)
    {
        var sku = $"ord-{Guid.NewGuid():N}";
        await grains.GetGrain<IProductGrain>(sku).UpsertAsync(new ProductDetails(sku, "", "orders", 3.00m, "USD"));
        await grains.GetGrain<IInventoryGrain>(sku).RestockAsync(stock, idempotencyKey: null);
        return sku;
    }

    public static async Task<OrderSnapshot> CheckoutAsync(IGrainFactory grains, string sku, int quantity)
    {
        var cartId = $"cart-{Guid.NewGuid():N}";
        await grains.GetGrain<ICartGrain>(cartId).AddAsync(sku, quantity, "USD");
        var result = await grains.GetGrain<IOrderGrain>(OrderIds.For(cartId, "k")).CheckoutAsync(cartId);
        Assert.Equal(CheckoutOutcome.Created, result.Outcome);
        return result.Order!;
    }

    /// <summary>
    /// A one-line cart of a product with 5 in stock, and the order id its checkout will have, already activated in
    /// <paramref name="second"/> (a second cluster over the same store) while no order existed: a second activation
    /// of the order with nothing in memory.
    /// </summary>
    public static async Task<(string Sku, string CartId, string OrderId)> OrderASecondActivationSawAsNoneAsync(
        IGrainFactory grains, TestCluster second, int quantity)
    {
        var sku = await CreateProductAsync(grains, stock: 5);
        var cartId = $"cart-{Guid.NewGuid():N}";
        await grains.GetGrain<ICartGrain>(cartId).AddAsync(sku, quantity, "USD");
        var orderId = OrderIds.For(cartId, "k");
        Assert.Null(await second.GrainFactory.GetGrain<IOrderGrain>(orderId).GetAsync());
        return (sku, cartId, orderId);
    }

    public static async Task<CheckoutResult> CheckoutWithRetriesAsync(IGrainFactory grains, string cartId, string key)
    {
        var order = grains.GetGrain<IOrderGrain>(OrderIds.For(cartId, key));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await order.CheckoutAsync(cartId);
            }
            catch (Exception) when (attempt < 60)
            {
                await Task.Delay(500);
            }
        }
    }

    public static async Task<(long Available, long Reserved)> StockAsync(IGrainFactory grains, string sku)
    {
        var stock = await grains.GetGrain<IInventoryGrain>(sku).GetAsync();
        return (stock.Available, stock.Reserved);
    }

    public static void AssertInvariant(StockLevel stock)
    {
        Assert.True(stock.Available + stock.Reserved + stock.Sold == stock.TotalRestocked, $"sku {stock.Sku}: invariant broken {stock}");
        Assert.True(stock.Available >= 0 && stock.Reserved >= 0 && stock.Sold >= 0, $"sku {stock.Sku}: negative {stock}");
    }

    /// <summary>
    /// A pending two-line order whose order grain lives on one silo while one of its lines' inventory lives on
    /// another (tries fresh skus until placement gives that).
    /// </summary>
    public static async Task<(OrderSnapshot Order, string[] Skus, SiloHandle OrderSilo, SiloHandle SkewedSilo)> OrderSpreadOverTwoSilosAsync(ClusterFixture fixture)
    {
        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var skus = new[] { await CreateProductAsync(fixture.Grains, stock: 1), await CreateProductAsync(fixture.Grains, stock: 1) };
            var cartId = $"cart-{Guid.NewGuid():N}";
            foreach (var sku in skus)
            {
                await fixture.Grains.GetGrain<ICartGrain>(cartId).AddAsync(sku, 1, "USD");
            }

            var result = await fixture.Grains.GetGrain<IOrderGrain>(OrderIds.For(cartId, "k")).CheckoutAsync(cartId);
            Assert.Equal(CheckoutOutcome.Created, result.Outcome);
            var orderHost = await management.GetActivationAddress(fixture.Grains.GetGrain<IOrderGrain>(result.Order!.OrderId));
            foreach (var sku in skus)
            {
                var inventoryHost = await management.GetActivationAddress(fixture.Grains.GetGrain<IInventoryGrain>(sku));
                if (inventoryHost != orderHost)
                {
                    return (result.Order, skus, fixture.Cluster.Silos.Single(s => s.SiloAddress == orderHost),
                        fixture.Cluster.Silos.Single(s => s.SiloAddress == inventoryHost));
                }
            }
        }

        throw new InvalidOperationException("Placement never put an order and one of its inventories on different silos in 20 tries.");
    }
}
