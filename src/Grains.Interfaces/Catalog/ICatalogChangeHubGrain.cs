using Orleans.Concurrency;

namespace Doorbuster.Catalog;

/// <summary>
/// Fans product changes out to every Api instance's near cache, so that a price change is visible
/// everywhere within a second. Subscriptions are soft state: subscribers renew them periodically.
/// </summary>
[Alias("Doorbuster.Catalog.ICatalogChangeHubGrain")]
public interface ICatalogChangeHubGrain : IGrainWithIntegerKey
{
    [Alias("Subscribe")]
    Task SubscribeAsync(IProductChangeObserver observer);

    [Alias("Unsubscribe")]
    Task UnsubscribeAsync(IProductChangeObserver observer);

    [Alias("Publish")]
    Task PublishAsync(string sku);
}

/// <summary>Told about every product change.</summary>
[Alias("Doorbuster.Catalog.IProductChangeObserver")]
public interface IProductChangeObserver : IGrainObserver
{
    [OneWay, Alias("ProductChanged")]
    Task ProductChangedAsync(string sku);
}
