using Orleans.Concurrency;

namespace Doorbuster.Catalog;

/// <summary>
/// Fans product changes out to every Api instance's near cache, so that a price change is visible
/// everywhere within a second. Subscriptions are soft state: subscribers renew them periodically, and each
/// renewal also tells the subscriber what changed since it last asked, so a lost push is caught up.
/// </summary>
[Alias("Doorbuster.Catalog.ICatalogChangeHubGrain")]
public interface ICatalogChangeHubGrain : IGrainWithIntegerKey
{
    /// <summary>Renews a subscription without catching up; kept for Api instances of an earlier release during a rolling update.</summary>
    [Alias("Subscribe")]
    Task SubscribeAsync(IProductChangeObserver observer);

    /// <summary>
    /// Renews <paramref name="observer"/>'s subscription and answers the skus changed since <paramref name="since"/>
    /// (null: the subscriber knows nothing yet), or that it must forget everything because the changes since then
    /// are not known here.
    /// </summary>
    [Alias("CatchUp")]
    Task<CatalogChanges> CatchUpAsync(IProductChangeObserver observer, CatalogChangePosition? since);

    [Alias("Unsubscribe")]
    Task UnsubscribeAsync(IProductChangeObserver observer);

    [Alias("Publish")]
    Task PublishAsync(string sku);
}

/// <summary>
/// A position in the hub's sequence of changes. The epoch is new with every activation of the hub, whose sequence
/// lives in memory: a position of another epoch says nothing about the changes of this one.
/// </summary>
[GenerateSerializer, Immutable, Alias("Doorbuster.Catalog.CatalogChangePosition")]
public sealed record CatalogChangePosition(Guid Epoch, long Sequence);

/// <summary>
/// What changed since a position: the skus to forget, or <paramref name="ForgetEverything"/> when the hub cannot
/// tell (another epoch, or further behind than it remembers); <paramref name="Position"/> is where to ask from next.
/// </summary>
[GenerateSerializer, Immutable, System.ComponentModel.ImmutableObject(true), Alias("Doorbuster.Catalog.CatalogChanges")]
public sealed record CatalogChanges(CatalogChangePosition Position, string[] Skus, bool ForgetEverything);

/// <summary>Told about every product change.</summary>
[Alias("Doorbuster.Catalog.IProductChangeObserver")]
public interface IProductChangeObserver : IGrainObserver
{
    [OneWay, Alias("ProductChanged")]
    Task ProductChangedAsync(string sku);
}
