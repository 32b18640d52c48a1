using Doorbuster.Carts;
using Doorbuster.Orders;
using Doorbuster.Tests.Infrastructure;
using StackExchange.Redis;

namespace Doorbuster.Tests.Grains.Orders;

/// <summary>
/// A checkout repeated with its key is answered with its order, however many checkouts came after it, and the cart
/// gives up that order's lines once: not again when it had, even when the store lost the cart's half of the write.
/// </summary>
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

    [Fact]
    public async Task AnOrderWhoseCartWriteTheStoreLostIsTakenOutOfTheCartWhenRepeatedEvenAfterTheCartChanged()
    {
        // Arrange: a checkout whose cart half the store lost — the cart's key put back as it was before the
        // place-order write — and one change of the cart since, by its next activation, which brings the cart to
        // the version the lost write had stored.
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 10);
        var added = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 10);
        var cartId = await OrderTestData.CartWithAsync(fixture.Grains, (sku, 2));
        var cart = fixture.Grains.GetGrain<ICartGrain>(cartId);
        var redis = fixture.Redis.GetDatabase();
        var key = await CartKeyAsync(cartId);
        var before = await redis.StringGetAsync(key);
        var placed = await cart.CheckoutAsync("lost");
        await redis.StringSetAsync(key, before, TimeSpan.FromDays(7));
        await Activations.DeactivateAsync(fixture.Grains, cart);
        await cart.AddAsync(added, 1, "USD");

        // Act: the client repeats the checkout.
        var repeated = await cart.CheckoutAsync("lost");

        // Assert: its order; the cart keeps only the line added since; only the order's units are held.
        Assert.Equal((CheckoutOutcome.Created, CheckoutOutcome.Duplicate), (placed.Outcome, repeated.Outcome));
        Assert.Equal(placed.Order!.OrderId, repeated.Order!.OrderId);
        Assert.Equal([new CartLine(added, 1)], (await cart.GetAsync()).Lines);
        Assert.Equal((8L, 2L), await OrderTestData.StockAsync(fixture.Grains, sku));
        Assert.Equal((10L, 0L), await OrderTestData.StockAsync(fixture.Grains, added));
    }

    /// <summary>The cart's key, looked up on every primary (a Redis Cluster spreads the keys).</summary>
    private async Task<RedisKey> CartKeyAsync(string cartId)
    {
        foreach (var server in fixture.Redis.GetServers().Where(server => server.IsConnected && !server.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: $"*/cart/{cartId}"))
            {
                return key;
            }
        }

        throw new InvalidOperationException($"No key holds cart {cartId}.");
    }
}
