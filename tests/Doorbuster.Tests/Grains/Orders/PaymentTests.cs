using Doorbuster.Inventory;
using Doorbuster.Orders;
using Doorbuster.Tests.Infrastructure;
using Orleans.TestingHost;

namespace Doorbuster.Tests.Grains.Orders;

/// <summary>Pay answers Done only when every line is sold, and says so when one cannot be.</summary>
[Collection(ClusterCollection.Name)]
[Trait(TestStore.Topology, TestStore.AnyTopology)]
public sealed class PaymentTests(ClusterFixture fixture)
{
    [Fact]
    public async Task APaymentRepeatedByANewActivationSellsNothingMoreAndIsAnsweredDone()
    {
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5);
        var order = fixture.Grains.GetGrain<IOrderGrain>((await OrderTestData.CheckoutAsync(fixture.Grains, sku, quantity: 2)).OrderId);

        var first = await order.PayAsync();
        await Activations.DeactivateAsync(fixture.Grains, order);
        await Activations.DeactivateAsync(fixture.Grains, fixture.Grains.GetGrain<IInventoryGrain>(sku));
        var again = await order.PayAsync();

        Assert.Equal((OrderActionOutcome.Done, OrderActionOutcome.Done), (first.Outcome, again.Outcome));
        Assert.Equal(new StockLevel(sku, 3, 0, 2, 5), await fixture.Grains.GetGrain<IInventoryGrain>(sku).GetAsync());
    }

    [Fact]
    public async Task APaymentWhoseHoldTheStoreLostIsRefusedLoggedAndCountedNotAnsweredPaid()
    {
        // Arrange: a pending order of two lines; the store then loses the acknowledged hold of one of them (it
        // comes back from a failover as it was before the checkout).
        var (kept, lost) = (await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5), await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5));
        var placed = await fixture.Grains.GetGrain<Doorbuster.Carts.ICartGrain>(
            await OrderTestData.CartWithAsync(fixture.Grains, (kept, 1), (lost, 2))).CheckoutAsync(OrderTestData.Key);
        var order = fixture.Grains.GetGrain<IOrderGrain>(placed.Order!.OrderId);
        await Activations.DeactivateAsync(fixture.Grains, fixture.Grains.GetGrain<IInventoryGrain>(lost));
        var redis = fixture.Redis.GetDatabase();
        foreach (var field in (await OrderTestData.StoredHoldsAsync(fixture, lost)).Keys)
        {
            await redis.HashDeleteAsync(OrderTestData.BookKey(fixture, lost), field);
        }

        await redis.HashSetAsync(OrderTestData.BookKey(fixture, lost), [new("#available", 5), new("#reserved", 0)]);
        using var unsold = new MeterRecorders(fixture.Cluster, "doorbuster.payments.unsold_lines");

        // Act
        var paid = await order.PayAsync();
        var repeated = await order.PayAsync();

        // Assert: the shopper is told which line could not be sold, the metric names the sku, and nothing of it was sold.
        Assert.Equal((OrderActionOutcome.LinesUnsold, OrderActionOutcome.LinesUnsold), (paid.Outcome, repeated.Outcome));
        Assert.Equal([lost], paid.UnsoldSkus!);
        Assert.Equal(1, unsold.Count(("sku", lost)));
        Assert.Equal(new StockLevel(kept, 4, 0, 1, 5), await fixture.Grains.GetGrain<IInventoryGrain>(kept).GetAsync());
        Assert.Equal(new StockLevel(lost, 5, 0, 0, 5), await fixture.Grains.GetGrain<IInventoryGrain>(lost).GetAsync());
    }

    [Fact]
    public async Task AnInventoryActivationThatReadRedisBeforeTheHoldWasMadeNeverReportsThePaidLineUnsold()
    {
        // Arrange: a second activation of the sku's inventory read the stock before the checkout held a unit.
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5);
        await using var second = await fixture.StartSecondActivationsAsync();
        await second.GrainFactory.GetGrain<IInventoryGrain>(sku).GetAsync();
        var placed = await OrderTestData.CheckoutAsync(fixture.Grains, sku, quantity: 1);

        // Act: the payment reaches the second cluster, whose inventory activation knows no hold.
        var order = second.GrainFactory.GetGrain<IOrderGrain>(placed.OrderId);
        var first = await Record.ExceptionAsync(order.PayAsync);
        var retried = await order.PayAsync();

        // Assert: the stale activation could not prove it was current, so it said nothing; the payment, stored
        // before the lines, was answered as one that may have been applied (never "not applied"); the retry sold the line.
        Assert.True(Assert.IsType<StoreUnavailableException>(first).MayHaveBeenApplied, first.Message);
        Assert.Equal((OrderActionOutcome.Done, OrderStatus.Paid), (retried.Outcome, retried.Order!.Status));
        Assert.Equal(new StockLevel(sku, 4, 0, 1, 5), await second.GrainFactory.GetGrain<IInventoryGrain>(sku).GetAsync());
    }

    /// <summary>A <see cref="MeterRecorder"/> on every silo of a cluster.</summary>
    private sealed class MeterRecorders(TestCluster cluster, string instrument) : IDisposable
    {
        private readonly List<MeterRecorder> _recorders =
            [.. cluster.Silos.Select(silo => new MeterRecorder(((InProcessSiloHandle)silo).SiloHost.Services, instrument))];

        public int Count(params (string Name, string Value)[] labels) => _recorders.Sum(recorder => recorder.Count(labels));

        public void Dispose() => _recorders.ForEach(recorder => recorder.Dispose());
    }
}
