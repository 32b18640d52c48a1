using Doorbuster.Carts;
using Doorbuster.Catalog;
using Doorbuster.Inventory;
using Doorbuster.Orders;
using Doorbuster.Tests.Infrastructure;
using Orleans.Runtime;
using Orleans.TestingHost;
using StackExchange.Redis;

namespace Doorbuster.Tests.Grains.Orders;

/// <summary>Products, carts and orders for the order tests, each with fresh keys.</summary>
internal static class OrderTestData
{
    public const string Key = "k";

    public static async Task<string> CreateProductAsync(IGrainFactory grains, int stock)
    {
        var sku = $"ord-{Guid.NewGuid():N}";
        await grains.GetGrain<IProductGrain>(sku).UpsertAsync(new ProductDetails(sku, "", "orders", 3.00m, "USD"));
        await grains.GetGrain<IInventoryGrain>(sku).RestockAsync(stock, idempotencyKey: null);
        return sku;
    }

    public static async Task<string> CartWithAsync(IGrainFactory grains, params (string Sku, int Quantity)[] lines)
    {
        var cartId = $"cart-{Guid.NewGuid():N}";
        foreach (var (sku, quantity) in lines)
        {
            await grains.GetGrain<ICartGrain>(cartId).AddAsync(sku, quantity, "USD");
        }

        return cartId;
    }

    public static async Task<OrderSnapshot> CheckoutAsync(IGrainFactory grains, string sku, int quantity)
    {
        var cartId = await CartWithAsync(grains, (sku, quantity));
        var result = await grains.GetGrain<ICartGrain>(cartId).CheckoutAsync(Key);
        Assert.Equal(CheckoutOutcome.Created, result.Outcome);
        return result.Order!;
    }

    public static async Task<CheckoutResult> CheckoutWithRetriesAsync(IGrainFactory grains, string cartId, string key)
    {
        var cart = grains.GetGrain<ICartGrain>(cartId);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await cart.CheckoutAsync(key);
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

    /// <summary>The holds (and remembered confirmations) of a sku as Redis keeps them: field → value.</summary>
    public static async Task<Dictionary<string, string>> StoredHoldsAsync(ClusterFixture fixture, string sku)
    {
        var entries = await fixture.Redis.GetDatabase().HashGetAllAsync(BookKey(fixture, sku));
        return entries
            .Where(entry => entry.Name.ToString()[0] is not ('#' or '!') && entry.Value != "~")
            .ToDictionary(entry => entry.Name.ToString(), entry => entry.Value.ToString());
    }

    /// <summary>The checkout attempt whose hold (or confirmation) of <paramref name="sku"/> Redis keeps for the order.</summary>
    public static async Task<CheckoutAttempt> AttemptOfAsync(ClusterFixture fixture, string sku, string orderId)
    {
        var fields = (await StoredHoldsAsync(fixture, sku)).Keys.Where(field => field.StartsWith(orderId + ":", StringComparison.Ordinal)).ToList();
        Assert.True(fields.Count == 1, $"sku {sku} should keep exactly one hold of order {orderId}, it keeps: {string.Join(", ", fields)}");
        return HoldKey.FromField(fields[0]).Attempt;
    }

    /// <summary>
    /// Of <paramref name="candidates"/>, the attempt a pending or paid order names, asked the way an inventory asks
    /// about an expired hold: the order says hold or confirm only for its own attempt.
    /// </summary>
    public static async Task<CheckoutAttempt> AttemptNamedByAsync(
        ClusterFixture fixture, IOrderGrain order, string sku, IEnumerable<CheckoutAttempt> candidates)
    {
        foreach (var candidate in candidates)
        {
            if ((await order.DecideExpiredHoldAsync(sku, candidate)).Verdict != ReservationVerdict.Release)
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"Order {order.GetPrimaryKeyString()} names none of the attempts holding {sku} in {fixture.Store.ConnectionString}.");
    }

    /// <summary>The hash of a sku's counters, holds and restock records.</summary>
    public static RedisKey BookKey(ClusterFixture fixture, string sku) => $"{fixture.Cluster.Options.ServiceId}/inventory/{{{sku}}}/reservations";

    /// <summary>Where the release before kept a sku's counters.</summary>
    public static RedisKey EarlierCountersKey(ClusterFixture fixture, string sku) => $"{fixture.Cluster.Options.ServiceId}/inventory/{{{sku}}}/stock";

    /// <summary>
    /// A cart whose activation in <paramref name="second"/> (a second cluster over the same store) has read it as
    /// it is now: a second activation of the cart, which will not see what the first does from here on.
    /// </summary>
    public static async Task<ICartGrain> SecondActivationOfAsync(TestCluster second, string cartId)
    {
        var stale = second.GrainFactory.GetGrain<ICartGrain>(cartId);
        await stale.GetAsync();
        return stale;
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
            var cartId = await CartWithAsync(fixture.Grains, (skus[0], 1), (skus[1], 1));
            var result = await fixture.Grains.GetGrain<ICartGrain>(cartId).CheckoutAsync(Key);
            Assert.Equal(CheckoutOutcome.Created, result.Outcome);

            // The order grain wakes on its first read.
            var order = fixture.Grains.GetGrain<IOrderGrain>(result.Order!.OrderId);
            await order.GetAsync();
            var orderHost = await management.GetActivationAddress(order);
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
