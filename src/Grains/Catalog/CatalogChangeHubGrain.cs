using Microsoft.Extensions.Logging;

namespace Doorbuster.Catalog;

/// <summary>
/// Pushes product changes to the Api instances' near caches. Subscriptions live in memory and lapse when
/// not renewed; after a failover the hub starts empty and subscribers are back within one renewal period,
/// while the near cache's short TTL bounds staleness in between.
/// </summary>
[KeepAlive]
public sealed class CatalogChangeHubGrain(TimeProvider time, ILogger<CatalogChangeHubGrain> logger) : Grain, ICatalogChangeHubGrain
{
    /// <summary>A subscription not renewed for this long is dropped.</summary>
    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromSeconds(30);

    private readonly Dictionary<IProductChangeObserver, DateTimeOffset> _subscribers = [];

    public Task SubscribeAsync(IProductChangeObserver observer)
    {
        _subscribers[observer] = time.GetUtcNow();
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IProductChangeObserver observer)
    {
        _subscribers.Remove(observer);
        return Task.CompletedTask;
    }

    public Task PublishAsync(string sku)
    {
        var cutoff = time.GetUtcNow() - SubscriptionLifetime;
        foreach (var (observer, renewedAt) in _subscribers.ToArray())
        {
            if (renewedAt < cutoff)
            {
                _subscribers.Remove(observer);
                continue;
            }

            try
            {
                // One-way: a subscriber that went away must not slow down a product upsert.
                _ = observer.ProductChangedAsync(sku);
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Dropping a product change subscriber that could not be notified");
                _subscribers.Remove(observer);
            }
        }

        return Task.CompletedTask;
    }
}
