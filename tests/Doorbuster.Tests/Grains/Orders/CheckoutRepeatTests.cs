using Doorbuster.Carts;
using Doorbuster.Orders;
using Doorbuster.Tests.Infrastructure;

namespace Doorbuster.Tests.Grains.Orders;

/// <summary>A checkout repeated with its key is answered with its order, however many checkouts came after it.</summary>
[Collection(ClusterCollection.Name)]
[Trait(TestStore.Topology, TestStore.AnyTopology)]
public sealed class CheckoutRepeatTests(ClusterFixture fixture)
{
    /// <summary>The keys a cart remembers: its last 16 checkouts.</summary>
    private const int RememberedCheckouts = 16;

    [Fact]
    public async Task ACheckoutRepeatedAfterItsCartForgotTheKeyIsAnsweredWithItsOrderAndLeavesTheNewLinesInTheCart()
    {
        // Arrange: a checkout of one unit, as many later checkouts of the same cart as it remembers keys, and then
        // three units of the same sku in the cart again.
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 100);
        var cartId = await OrderTestData.CartWithAsync(fixture.Grains, (sku, 1));
        var cart = fixture.Grains.GetGrain<ICartGrain>(cartId);
        var first = await cart.CheckoutAsync("first");
        for (var i = 0; i < RememberedCheckouts; i++)
        {
            await cart.AddAsync(sku, 1, "USD");
            Assert.Equal(CheckoutOutcome.Created, (await cart.CheckoutAsync($"later-{i}")).Outcome);
        }

        await cart.AddAsync(sku, 3, "USD");

        // Act: the client repeats the first checkout.
        var repeated = await cart.CheckoutAsync("first");

        // Assert: the first order again; the three units stay in the cart and are not held.
        Assert.Equal(CheckoutOutcome.Duplicate, repeated.Outcome);
        Assert.Equal(first.Order!.OrderId, repeated.Order!.OrderId);
        Assert.Equal([new CartLine(sku, 3)], (await cart.GetAsync()).Lines);
        Assert.Equal((100L - 1 - RememberedCheckouts, 1L + RememberedCheckouts), await OrderTestData.StockAsync(fixture.Grains, sku));
    }
}
