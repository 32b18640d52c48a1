using Doorbuster.Carts;
using Doorbuster.Catalog;
using Doorbuster.Inventory;
using Doorbuster.Orders;
using Doorbuster.Tests.Infrastructure;
using Orleans.Runtime;

namespace Doorbuster.Tests.Grains;

[Collection(ClusterCollection.Name)]
public sealed class OrderExpiryTests(ClusterFixture fixture)
{
    [Fact]
    public async Task AnUnpaidOrderExpiresAndItsUnitsReturn()
    {
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5);
        var order = await OrderTestData.CheckoutAsync(fixture.Grains, sku, quantity: 2);
        Assert.Equal((3L, 2L), await OrderTestData.StockAsync(fixture.Grains, sku));

        var stock = await Eventually.ReturnsAsync(
            () => OrderTestData.StockAsync(fixture.Grains, sku), s => s.Reserved == 0, TimeSpan.FromSeconds(30), $"units of {sku} to return");

        Assert.Equal((5L, 0L), stock);
        Assert.Equal(OrderStatus.Expired, (await fixture.Grains.GetGrain<IOrderGrain>(order.OrderId).GetAsync())!.Status);
        Assert.Equal(OrderActionOutcome.Conflict, (await fixture.Grains.GetGrain<IOrderGrain>(order.OrderId).PayAsync()).Outcome);
    }

    [Fact]
    public async Task AnUnpaidOrderExpiresEvenWhenTheSiloHostingItWasKilled()
    {
        // Arrange
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 4);
        var order = await OrderTestData.CheckoutAsync(fixture.Grains, sku, quantity: 3);
        var host = await fixture.Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(fixture.Grains.GetGrain<IOrderGrain>(order.OrderId));

        // Act
        await fixture.Cluster.KillSiloAsync(fixture.Cluster.Silos.Single(s => s.SiloAddress == host));

        // Assert
        var stock = await Eventually.ReturnsAsync(
            () => OrderTestData.StockAsync(fixture.Grains, sku), s => s.Reserved == 0, TimeSpan.FromSeconds(60), $"units of {sku} to return after the kill");
        Assert.Equal((4L, 0L), stock);
        var expired = await Eventually.ReturnsAsync(
            () => fixture.Grains.GetGrain<IOrderGrain>(order.OrderId).GetAsync(), _ => true, TimeSpan.FromSeconds(60), $"order {order.OrderId}");
        Assert.Equal(OrderStatus.Expired, expired!.Status);

        await fixture.Cluster.StartAdditionalSiloAsync();
        await fixture.Cluster.WaitForLivenessToStabilizeAsync();
    }
}

[Collection(LongWindowClusterCollection.Name)]
public sealed class CheckoutCrashTests(LongWindowClusterFixture fixture)
{
    [Fact]
    public async Task CheckoutsInterruptedByAKilledSiloConvergeWhenRetriedWithTheirKeys()
    {
        // Arrange: 100 carts over four skus with enough stock for all.
        var skus = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            skus.Add(await OrderTestData.CreateProductAsync(fixture.Grains, stock: 1_000));
        }

        var carts = Enumerable.Range(0, 100).Select(i => (CartId: $"crash-{Guid.NewGuid():N}", Sku: skus[i % skus.Count], Quantity: 1 + (i % 3))).ToList();
        foreach (var cart in carts)
        {
            await fixture.Grains.GetGrain<ICartGrain>(cart.CartId).AddAsync(cart.Sku, cart.Quantity);
        }

        // Act: 100 checkouts, and a silo killed while they run; every failure is retried with its own key.
        var victim = fixture.Cluster.SecondarySilos[0];
        var checkouts = carts.Select(cart => CheckoutWithRetriesAsync(cart.CartId)).ToList();
        await Task.Delay(50);
        await fixture.Cluster.KillSiloAsync(victim);
        var results = await Task.WhenAll(checkouts);

        // Assert: every order the client was told about exists, and the stock of every sku is explained by them.
        Assert.All(results, r => Assert.Equal(CheckoutOutcome.Created, r.Outcome is CheckoutOutcome.Duplicate ? CheckoutOutcome.Created : r.Outcome));
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
            Assert.True(stock.Available + stock.Reserved + stock.Sold == stock.TotalRestocked, $"sku {sku}: invariant broken {stock}");
            Assert.True(stock.Available >= 0 && stock.Reserved >= 0 && stock.Sold >= 0, $"sku {sku}: negative {stock}");
        }

        await fixture.Cluster.StartAdditionalSiloAsync();
    }

    private async Task<CheckoutResult> CheckoutWithRetriesAsync(string cartId)
    {
        var order = fixture.Grains.GetGrain<IOrderGrain>(OrderIds.For(cartId, "crash-key"));
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
}

internal static class OrderTestData
{
    public static async Task<string> CreateProductAsync(IGrainFactory grains, int stock)
    {
        var sku = $"ord-{Guid.NewGuid():N}";
        await grains.GetGrain<IProductGrain>(sku).UpsertAsync(new ProductDetails(sku, "", "orders", 3.00m, "USD"));
        await grains.GetGrain<IInventoryGrain>(sku).RestockAsync(stock);
        return sku;
    }

    public static async Task<OrderSnapshot> CheckoutAsync(IGrainFactory grains, string sku, int quantity)
    {
        var cartId = $"cart-{Guid.NewGuid():N}";
        await grains.GetGrain<ICartGrain>(cartId).AddAsync(sku, quantity);
        var result = await grains.GetGrain<IOrderGrain>(OrderIds.For(cartId, "k")).CheckoutAsync(cartId);
        Assert.Equal(CheckoutOutcome.Created, result.Outcome);
        return result.Order!;
    }

    public static async Task<(long Available, long Reserved)> StockAsync(IGrainFactory grains, string sku)
    {
        var stock = await grains.GetGrain<IInventoryGrain>(sku).GetAsync();
        return (stock.Available, stock.Reserved);
    }
}
