using Doorbuster.Carts;
using Doorbuster.Catalog;
using Doorbuster.Inventory;
using Doorbuster.Tests.Infrastructure;

namespace Doorbuster.Tests.Grains;

/// <summary>
/// A failover can roll a key back: replication is asynchronous, so a promoted replica may lack the last
/// write the old primary acknowledged. The activation still holds that write in memory, and its version no
/// longer matches Redis (dotnet/orleans#9128: without care every later write fails its check until the
/// activation is collected). Here the rollback is done by hand — each key of a grain restored from a
/// snapshot taken before its last write — and the grain recovers by itself: the first write after it is
/// refused as certainly not applied (a 503 with <c>changeApplied: "no"</c>, which a client retries), the
/// activation is dropped, and the retry builds on what Redis holds.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait(TestStore.Topology, TestStore.AnyTopology)]
public sealed class RolledBackStateTests(ClusterFixture fixture)
{
    [Fact]
    public async Task ACartRolledBackByAFailoverTakesTheNextChangeOnWhatRedisHolds()
    {
        // Arrange: two acknowledged adds, the second lost by the "failover".
        var key = Guid.NewGuid().ToString("N");
        var cart = fixture.Grains.GetGrain<ICartGrain>(key);
        await cart.AddAsync("SKU-A", 1, "USD");
        await RollBackAsync(key, () => cart.AddAsync("SKU-B", 1, "USD"));

        // Act
        var added = await RetriedOnceAsync(() => cart.AddAsync("SKU-C", 1, "USD"));

        // Assert
        Assert.Equal([new CartLine("SKU-A", 1), new CartLine("SKU-C", 1)], added.Cart.Lines);
        await Activations.DeactivateAsync(fixture.Grains, cart);
        Assert.Equal([new CartLine("SKU-A", 1), new CartLine("SKU-C", 1)], (await cart.GetAsync()).Lines);
    }

    [Fact]
    public async Task AStockRolledBackByAFailoverTakesTheNextRestockOnWhatRedisHolds()
    {
        // Arrange
        var sku = Guid.NewGuid().ToString("N");
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(sku);
        await inventory.RestockAsync(5, idempotencyKey: null);
        await RollBackAsync(sku, () => inventory.RestockAsync(7, idempotencyKey: null));

        // Act
        await RetriedOnceAsync(() => inventory.RestockAsync(11, idempotencyKey: null));

        // Assert
        await Activations.DeactivateAsync(fixture.Grains, inventory);
        var stock = await inventory.GetAsync();
        Assert.Equal(5 + 11, stock.Available);
        Assert.Equal(5 + 11, stock.TotalRestocked);
    }

    [Fact]
    public async Task AProductRolledBackByAFailoverTakesTheNextChangeOnWhatRedisHolds()
    {
        // Arrange: the Orleans storage provider's own etag check is the one that fails here.
        var sku = Guid.NewGuid().ToString("N");
        var product = fixture.Grains.GetGrain<IProductGrain>(sku);
        await product.UpsertAsync(new ProductDetails("Lamp", "", "home", 10.00m, "USD"));
        await RollBackAsync(sku, () => product.UpsertAsync(new ProductDetails("Lamp", "", "home", 12.00m, "USD")));

        // Act
        var changed = await RetriedOnceAsync(() => product.UpsertAsync(new ProductDetails("Lamp", "", "home", 14.00m, "USD")));

        // Assert
        Assert.Equal(14.00m, changed.Price);
        await Activations.DeactivateAsync(fixture.Grains, product);
        Assert.Equal(14.00m, (await product.GetAsync())?.Price);
    }

    /// <summary>Rolls back every key that names <paramref name="id"/> to before <paramref name="lostChange"/>.</summary>
    private Task RollBackAsync<T>(string id, Func<Task<T>> lostChange) =>
        RolledBackKeys.RollBackAsync(fixture.Redis, id, lostChange);

    /// <summary>The call, and once more when it was refused as certainly not applied (what the contract tells a client to do).</summary>
    private static async Task<T> RetriedOnceAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (StoreUnavailableException refused) when (!refused.MayHaveBeenApplied)
        {
            return await call();
        }
    }
}
