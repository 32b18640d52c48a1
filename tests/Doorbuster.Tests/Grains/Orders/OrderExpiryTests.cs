using Doorbuster.Inventory;
using Doorbuster.Orders;
using Doorbuster.Tests.Infrastructure;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Doorbuster.Tests.Grains.Orders;

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
    public async Task AnOrderNobodyReadsIsExpiredByItsInventoryWhenTheHoldLapses()
    {
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5);
        var order = await OrderTestData.CheckoutAsync(fixture.Grains, sku, quantity: 2);

        fixture.Clocks.Advance(Window + TimeSpan.FromSeconds(2));

        // Nothing reads the order (its grain was never activated): the inventory's sweep asks it, it expires, and the units return.
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
        var grain = fixture.Grains.GetGrain<IOrderGrain>(order.OrderId);
        await grain.GetAsync();
        var host = await fixture.Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);
        try
        {
            // Act: the order's silo dies, then its deadline passes.
            await fixture.Cluster.KillSiloAsync(fixture.Cluster.Silos.Single(s => s.SiloAddress == host));
            fixture.Clocks.Advance(Window + TimeSpan.FromSeconds(2));

            // Assert
            var stock = await Eventually.ReturnsAsync(
                () => OrderTestData.StockAsync(fixture.Grains, sku), s => s.Reserved == 0, TimeSpan.FromSeconds(60), $"units of {sku} to return after the kill");
            Assert.Equal((4L, 0L), stock);
            Assert.Equal(OrderStatus.Expired, (await grain.GetAsync())!.Status);
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
        using var verdicts = new MeterRecorder(((InProcessSiloHandle)skewedSilo).SiloHost.Services, "doorbuster.inventory.expiry_decisions");

        OrderActionResult paid;
        try
        {
            // Act: the inventory's silo runs past the deadline and its grace; the order's silo is a minute short of it.
            fixture.Clocks.For(skewedSilo.Name).Advance(Window + TimeSpan.FromSeconds(5));
            foreach (var silo in fixture.Cluster.Silos.Where(s => s.Name != skewedSilo.Name))
            {
                fixture.Clocks.For(silo.Name).Advance(Window - TimeSpan.FromMinutes(1));
            }

            // The skewed inventory's sweep asks the order, which says "hold" (its deadline has not passed on its clock).
            await Eventually.ReturnsAsync(
                () => Task.FromResult(verdicts.Count(("verdict", "hold"))), count => count >= 1, TimeSpan.FromSeconds(15),
                $"the inventory on {skewedSilo.Name} to ask order {order.OrderId}");
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
