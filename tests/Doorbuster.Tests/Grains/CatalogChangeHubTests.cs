using Doorbuster.Catalog;
using Doorbuster.Tests.Infrastructure;

namespace Doorbuster.Tests.Grains;

/// <summary>
/// The hub remembers its latest changes in sequence, so an Api instance that missed a push learns of it at its next
/// catch-up; where it cannot tell what changed (a first catch-up, another epoch, too far behind) it says to forget
/// everything. Each test has a hub of its own (a key nobody else uses), not the cluster's hub 0.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait(TestStore.Topology, TestStore.AnyTopology)]
public sealed class CatalogChangeHubTests(ClusterFixture fixture)
{
    [Fact]
    public async Task ACatchUpSubscribesAndNamesTheChangesSinceItsPositionOnceAndAFirstOneForgetsEverything()
    {
        // Arrange
        var hub = NewHub();
        var (observer, reference) = Subscriber();

        // Act
        var first = await hub.CatchUpAsync(reference, since: null);
        await hub.PublishAsync("SKU-A");
        await hub.PublishAsync("SKU-B");
        await hub.PublishAsync("SKU-A");
        var second = await hub.CatchUpAsync(reference, first.Position);
        var third = await hub.CatchUpAsync(reference, second.Position);

        // Assert
        Assert.True(first.ForgetEverything, "a subscriber that knows nothing yet forgets what it may hold");
        Assert.False(second.ForgetEverything);
        Assert.Equal(["SKU-A", "SKU-B"], second.Skus.Order(StringComparer.Ordinal));
        Assert.Equal(first.Position.Sequence + 3, second.Position.Sequence);
        Assert.False(third.ForgetEverything);
        Assert.Empty(third.Skus);
        await Eventually.ReturnsAsync(() => Task.FromResult(observer.Pushes), pushes => pushes == 3, TimeSpan.FromSeconds(10), "a push of each change to the subscriber the catch-up subscribed");
    }

    [Fact]
    public async Task APositionOfAnEarlierActivationOfTheHubForgetsEverything()
    {
        // Arrange: a subscriber in step with the hub.
        var hub = NewHub();
        var (observer, reference) = Subscriber();
        var position = (await hub.CatchUpAsync(reference, since: null)).Position;
        await hub.PublishAsync("SKU-A");

        // Act: the hub's activation goes (as with its silo); its memory of changes goes with it.
        await Activations.DeactivateAsync(fixture.Grains, hub);
        var changes = await hub.CatchUpAsync(reference, position);

        // Assert
        Assert.True(changes.ForgetEverything, "the changes since the position are not known to a new activation");
        Assert.NotEqual(position.Epoch, changes.Position.Epoch);
        GC.KeepAlive(observer);
    }

    [Fact]
    public async Task ASubscriberFurtherBehindThanTheHubRemembersForgetsEverything()
    {
        // Arrange
        var hub = NewHub();
        var (observer, reference) = Subscriber();
        var position = (await hub.CatchUpAsync(reference, since: null)).Position;

        // Act: one change more than the hub remembers.
        for (var i = 0; i <= CatalogChangeHubGrain.RememberedChanges; i++)
        {
            await hub.PublishAsync($"SKU-{i}");
        }

        var changes = await hub.CatchUpAsync(reference, position);
        var fromOneLater = await hub.CatchUpAsync(reference, position with { Sequence = position.Sequence + 1 });

        // Assert
        Assert.True(changes.ForgetEverything);
        Assert.False(fromOneLater.ForgetEverything);
        Assert.Equal(CatalogChangeHubGrain.RememberedChanges, fromOneLater.Skus.Length);
        GC.KeepAlive(observer);
    }

    private ICatalogChangeHubGrain NewHub() => fixture.Grains.GetGrain<ICatalogChangeHubGrain>(Random.Shared.NextInt64(1, long.MaxValue));

    /// <summary>A subscriber that counts pushes; the caller keeps it alive while the hub may call it.</summary>
    private (PushCounter Observer, IProductChangeObserver Reference) Subscriber()
    {
        var observer = new PushCounter();
        return (observer, fixture.Cluster.Client.CreateObjectReference<IProductChangeObserver>(observer));
    }

    private sealed class PushCounter : IProductChangeObserver
    {
        private int _pushes;

        public int Pushes => _pushes;

        public Task ProductChangedAsync(string sku)
        {
            Interlocked.Increment(ref _pushes);
            return Task.CompletedTask;
        }
    }
}
