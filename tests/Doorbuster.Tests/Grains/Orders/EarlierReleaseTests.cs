using Doorbuster.Carts;
using Doorbuster.Inventory;
using Doorbuster.Orders;
using Doorbuster.Persistence;
using Doorbuster.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;

namespace Doorbuster.Tests.Grains.Orders;

/// <summary>
/// A running shop upgrades with a rolling restart: what the release before fenced holds wrote — holds keyed by
/// order id alone, orders and carts in Orleans' grain storage — keeps working. Each test writes that data
/// exactly as the earlier release did (its storage providers, its hold encoding) and uses it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class EarlierReleaseTests(ClusterFixture fixture)
{
    [Fact]
    public async Task AnOrderItsHoldsAndItsCartFromTheEarlierReleaseAreRepeatedPaidAndSold()
    {
        // Arrange: a pending order of 2 units placed by the earlier release: its hold, the order, and the cart
        // that remembers it.
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5);
        var cartId = $"cart-{Guid.NewGuid():N}";
        var orderId = OrderIds.EarlierFormFor(cartId, OrderTestData.Key);
        var expiresAt = Reservation.Precision(fixture.Clocks.Now.AddMinutes(10));
        await WriteEarlierHoldAsync(sku, orderId, 2, expiresAt);
        await WriteEarlierStateAsync(StorageNames.Orders, GrainId.Create("order", orderId), new OrderState
        {
            Status = OrderStatus.PendingPayment,
            CartId = cartId,
            Lines = [new OrderLine(sku, sku, 3.00m, 2)],
            CreatedAt = fixture.Clocks.Now,
            ExpiresAt = expiresAt,
        });
        await WriteEarlierStateAsync(StorageNames.Carts, GrainId.Create("cart", cartId), new CartState { PlacedOrders = [orderId] });

        // Act: the shopper's checkout retry, then the payment, reach the new release.
        var repeated = await fixture.Grains.GetGrain<ICartGrain>(cartId).CheckoutAsync(OrderTestData.Key);
        var paid = await fixture.Grains.GetGrain<IOrderGrain>(orderId).PayAsync();

        // Assert: the same order; its hold is sold, as the order's line says.
        Assert.Equal((CheckoutOutcome.Duplicate, orderId), (repeated.Outcome, repeated.Order!.OrderId));
        Assert.Equal((OrderActionOutcome.Done, OrderStatus.Paid), (paid.Outcome, paid.Order!.Status));
        Assert.Equal(new StockLevel(sku, 3, 0, 2, 5), await fixture.Grains.GetGrain<IInventoryGrain>(sku).GetAsync());
    }

    [Fact]
    public async Task ACheckoutTheEarlierReleasePlacedButDidNotTakeOutOfTheCartIsNotPlacedTwice()
    {
        // Arrange: the earlier release stored the order (and its hold), then stopped before it emptied the cart.
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5);
        var cartId = $"cart-{Guid.NewGuid():N}";
        var orderId = OrderIds.EarlierFormFor(cartId, OrderTestData.Key);
        var expiresAt = Reservation.Precision(fixture.Clocks.Now.AddMinutes(10));
        await WriteEarlierHoldAsync(sku, orderId, 2, expiresAt);
        await WriteEarlierStateAsync(StorageNames.Orders, GrainId.Create("order", orderId), new OrderState
        {
            Status = OrderStatus.PendingPayment,
            CartId = cartId,
            Lines = [new OrderLine(sku, sku, 3.00m, 2)],
            CreatedAt = fixture.Clocks.Now,
            ExpiresAt = expiresAt,
        });
        await WriteEarlierStateAsync(StorageNames.Carts, GrainId.Create("cart", cartId), new CartState
        {
            Lines = [new CartLine(sku, 2)],
            Currency = "USD",
        });

        // Act: the client's retry, under the same key, reaches the new release.
        var cart = fixture.Grains.GetGrain<ICartGrain>(cartId);
        var repeated = await cart.CheckoutAsync(OrderTestData.Key);

        // Assert: the order the earlier release placed, nothing held twice, and the cart gave up its lines.
        Assert.Equal((CheckoutOutcome.Duplicate, orderId), (repeated.Outcome, repeated.Order!.OrderId));
        Assert.Equal(new StockLevel(sku, 3, 2, 0, 5), await fixture.Grains.GetGrain<IInventoryGrain>(sku).GetAsync());
        Assert.Empty((await cart.GetAsync()).Lines);
    }

    [Fact]
    public async Task AnExpiredHoldFromTheEarlierReleaseIsDecidedByItsOrder()
    {
        // Arrange: the earlier release's hold of an order that was cancelled before its release was done.
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5);
        var orderId = OrderIds.EarlierFormFor($"cart-{Guid.NewGuid():N}", OrderTestData.Key);
        await WriteEarlierHoldAsync(sku, orderId, 1, Reservation.Precision(fixture.Clocks.Now.AddMinutes(1)));
        await WriteEarlierStateAsync(StorageNames.Orders, GrainId.Create("order", orderId), new OrderState
        {
            Status = OrderStatus.Cancelled,
            Lines = [new OrderLine(sku, sku, 3.00m, 1)],
            ExpiresAt = fixture.Clocks.Now.AddMinutes(1),
            SettledAt = fixture.Clocks.Now,
        });

        // Act
        fixture.Clocks.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(2));

        // Assert
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        var stock = await Eventually.ReturnsAsync(
            () => inventory.GetAsync(), s => s.Reserved == 0, TimeSpan.FromSeconds(10), $"the earlier release's hold of {sku} to go back");
        Assert.Equal(new StockLevel(sku, 5, 0, 0, 5), stock);
    }

    [Fact]
    public async Task ACartFromTheEarlierReleaseKeepsItsLinesAndMovesToTheNewLayoutOnItsNextChange()
    {
        // Arrange
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5);
        var cartId = $"cart-{Guid.NewGuid():N}";
        await WriteEarlierStateAsync(StorageNames.Carts, GrainId.Create("cart", cartId), new CartState
        {
            Lines = [new CartLine(sku, 2)],
            Currency = "USD",
            UpdatedAt = fixture.Clocks.Now,
        });
        var cart = fixture.Grains.GetGrain<ICartGrain>(cartId);

        // Act: read it, change it (stored in the new layout), empty it, and read it from Redis again.
        var read = await cart.GetAsync();
        await cart.AddAsync(sku, 1, "USD");
        await cart.ClearAsync();
        await Activations.DeactivateAsync(fixture.Grains, cart);
        var afterClear = await cart.GetAsync();

        // Assert: the lines were there; once cleared, the old copy is never read again.
        Assert.Equal([new CartLine(sku, 2)], read.Lines);
        Assert.Empty(afterClear.Lines);
    }

    /// <summary>
    /// The stock of a sku as the earlier release stored it, with one hold: counters in a hash of their own, the hold
    /// keyed by order id alone (value quantity:expiry).
    /// </summary>
    private async Task WriteEarlierHoldAsync(string sku, string orderId, int quantity, DateTimeOffset expiresAt)
    {
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        var before = await inventory.GetAsync();
        await Activations.DeactivateAsync(fixture.Grains, inventory);
        var redis = fixture.Redis.GetDatabase();
        await redis.KeyDeleteAsync(OrderTestData.BookKey(fixture, sku));
        await redis.HashSetAsync(OrderTestData.BookKey(fixture, sku), orderId, new Reservation(quantity, expiresAt).Encode());
        await redis.HashSetAsync(OrderTestData.EarlierCountersKey(fixture, sku),
        [
            new("available", before.Available - quantity), new("reserved", before.Reserved + quantity),
            new("sold", before.Sold), new("total", before.TotalRestocked), new("version", 3),
        ]);
    }

    /// <summary>A grain's state as the earlier release stored it: through Orleans' Redis grain storage provider of that name.</summary>
    private Task WriteEarlierStateAsync<T>(string provider, GrainId grainId, T state) =>
        fixture.SiloServices.GetRequiredKeyedService<IGrainStorage>(provider)
            .WriteStateAsync(grainId.Type.ToString()!, grainId, new GrainState<T>(state));
}
