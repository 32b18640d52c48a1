using System.Buffers.Text;
using System.Security.Cryptography;
using Doorbuster.Carts;
using Doorbuster.Catalog;
using Doorbuster.Inventory;
using Doorbuster.Tests.Infrastructure;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Doorbuster.Tests.Grains;

[Collection(ClusterCollection.Name)]
[Trait(TestStore.Topology, TestStore.AnyTopology)]
public sealed class PersistenceTests(ClusterFixture fixture)
{
    [Fact]
    public async Task ProductCartAndStockSurviveDeactivation()
    {
        var key = Guid.NewGuid().ToString("N");
        await fixture.Grains.GetGrain<IProductGrain>(key).UpsertAsync(new ProductDetails("Lamp", "Bright", "home", 12.50m, "USD"));
        await fixture.Grains.GetGrain<ICartGrain>(key).AddAsync(key, 3, "USD");
        await fixture.Grains.GetGrain<IInventoryGrain>(key).RestockAsync(7, idempotencyKey: null);

        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var product = await fixture.Grains.GetGrain<IProductGrain>(key).GetAsync();
        Assert.Equal(new ProductSnapshot(key, "Lamp", "Bright", "home", 12.50m, "USD", 1), product);
        Assert.Equal([new CartLine(key, 3)], (await fixture.Grains.GetGrain<ICartGrain>(key).GetAsync()).Lines);
        Assert.Equal(7, (await fixture.Grains.GetGrain<IInventoryGrain>(key).GetAsync()).Available);
        var page = await fixture.Grains.GetGrain<ICatalogIndexGrain>("home").GetPageAsync(1, 100);
        Assert.Contains(page.Items, item => item.Sku == key);
    }

    [Fact]
    public async Task ANewCartsFirstActivationReadsNothingAndItsFirstAddIsStored()
    {
        // Arrange: a cart of the id format the Api issues, never called; every silo counts its cart reads.
        var cart = fixture.Grains.GetGrain<ICartGrain>(CurrentFormatCartId());
        var reads = fixture.Cluster.Silos.OfType<InProcessSiloHandle>()
            .Select(silo => new MeterRecorder(silo.SiloHost.Services, "doorbuster.carts.reads")).ToList();
        try
        {
            // Act: its first call is an add, as a shopper's first click on a cart just issued.
            var added = await cart.AddAsync("SKU-A", 2, "USD");
            var readsForTheAdd = reads.Sum(recorder => recorder.Count());
            await Activations.DeactivateAsync(fixture.Grains, cart);
            var readBack = await cart.GetAsync();

            // Assert: the add read nothing and was stored; the next activation's read found it.
            Assert.Equal(0, readsForTheAdd);
            Assert.Equal([new CartLine("SKU-A", 2)], added.Cart.Lines);
            Assert.Equal([new CartLine("SKU-A", 2)], readBack.Lines);
            Assert.Equal(1, reads.Sum(recorder => recorder.Count()));
        }
        finally
        {
            reads.ForEach(recorder => recorder.Dispose());
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AChangeToACartWhoseActivationWasCollectedBuildsOnTheStoredCart(bool currentIdFormat)
    {
        // Arrange: a stored cart, and no activation of it. A cart of the current id format activates without a read
        // and writes its first change as to a new cart; one of the first format reads on activation.
        var cart = fixture.Grains.GetGrain<ICartGrain>(currentIdFormat ? CurrentFormatCartId() : Guid.NewGuid().ToString("N"));
        await cart.AddAsync("SKU-A", 2, "USD");
        await cart.AddAsync("SKU-B", 1, "USD");
        await Activations.DeactivateAsync(fixture.Grains, cart);

        // Act: each new activation's first call is a change.
        var added = await cart.AddAsync("SKU-A", 1, "USD");
        await Activations.DeactivateAsync(fixture.Grains, cart);
        var tooMany = await cart.AddAsync("SKU-A", CartLimits.MaxLineQuantity - 1, "USD");
        await Activations.DeactivateAsync(fixture.Grains, cart);
        var removed = await cart.SetQuantityAsync("SKU-B", 0, "USD");
        await Activations.DeactivateAsync(fixture.Grains, cart);

        // Assert: every change built on what Redis held, and nothing was overwritten.
        Assert.Equal([new CartLine("SKU-A", 3), new CartLine("SKU-B", 1)], added.Cart.Lines);
        Assert.Equal(CartUpdateOutcome.LineQuantityExceeded, tooMany.Outcome);
        Assert.Equal([new CartLine("SKU-A", 3)], removed.Cart.Lines);
        Assert.Equal([new CartLine("SKU-A", 3)], (await cart.GetAsync()).Lines);
    }

    [Fact]
    public async Task ACartIsReadBeforeItIsShownOrLeftUnchangedThoughItsActivationReadNothing()
    {
        // Arrange: a stored cart of the current id format whose activation was collected.
        var cart = fixture.Grains.GetGrain<ICartGrain>(CurrentFormatCartId());
        await cart.AddAsync("SKU-A", 2, "USD");
        await cart.ClearAsync();
        await cart.AddAsync("SKU-B", 1, "USD");
        await Activations.DeactivateAsync(fixture.Grains, cart);

        // Act: a read, then (on another new activation) emptying it, which decides on the stored cart.
        var shown = await cart.GetAsync();
        await Activations.DeactivateAsync(fixture.Grains, cart);
        await cart.ClearAsync();
        await Activations.DeactivateAsync(fixture.Grains, cart);

        // Assert
        Assert.Equal([new CartLine("SKU-B", 1)], shown.Lines);
        Assert.Empty((await cart.GetAsync()).Lines);
    }

    [Fact]
    public async Task WritesAcknowledgedBeforeASiloIsKilledAreReadBackAfterIt()
    {
        // Arrange: enough carts and stocks that some live on the silo we kill.
        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        var keys = Enumerable.Range(0, 40).Select(_ => Guid.NewGuid().ToString("N")).ToArray();
        foreach (var key in keys)
        {
            await fixture.Grains.GetGrain<ICartGrain>(key).AddAsync("SKU-1", 2, "USD");
            await fixture.Grains.GetGrain<IInventoryGrain>(key).RestockAsync(11, idempotencyKey: null);
        }

        // The victim is the silo that holds the most carts.
        var hosts = new List<SiloAddress?>();
        foreach (var key in keys)
        {
            hosts.Add(await management.GetActivationAddress(fixture.Grains.GetGrain<ICartGrain>(key)));
        }

        var victim = fixture.Cluster.Silos.MaxBy(silo => hosts.Count(host => host == silo.SiloAddress))!;
        var hostedOnVictim = hosts.Count(host => host == victim.SiloAddress);
        Assert.True(hostedOnVictim > 0, $"precondition: at least one cart must live on the killed silo; carts live on {string.Join(", ", hosts.Distinct())}");

        try
        {
            // Act
            await fixture.Cluster.KillSiloAsync(victim);

            // Assert: every acknowledged write is served again, from Redis, by the surviving silos.
            foreach (var key in keys)
            {
                var cart = await Eventually.ReturnsAsync(
                    () => fixture.Grains.GetGrain<ICartGrain>(key).GetAsync(), _ => true, TimeSpan.FromSeconds(60), $"cart {key} after the kill");
                Assert.Equal([new CartLine("SKU-1", 2)], cart.Lines);
                var stock = await Eventually.ReturnsAsync(
                    () => fixture.Grains.GetGrain<IInventoryGrain>(key).GetAsync(), _ => true, TimeSpan.FromSeconds(60), $"stock {key} after the kill");
                Assert.Equal(11, stock.Available);
            }
        }
        finally
        {
            await fixture.RepairAsync();
        }
    }

    /// <summary>A cart id of the format the Api issues now: the grain trusts its key's layout (the Api checks its signature).</summary>
    private static string CurrentFormatCartId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(CartIdLayout.CurrentLength / 4 * 3));
}
