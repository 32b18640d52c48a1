using Microsoft.Extensions.Logging;

namespace Doorbuster.Catalog;

/// <summary>
/// Pushes product changes to the Api instances' near caches and remembers the latest of them in sequence, so a
/// subscriber that missed a push learns of it at its next renewal. Subscriptions and the sequence live in memory:
/// after a failover the hub starts a new epoch, and every subscriber forgets its whole near cache at its next
/// renewal, which also covers the changes that could not be published while the hub was away.
/// </summary>
[KeepAlive]
public sealed class CatalogChangeHubGrain(TimeProvider time, ILogger<CatalogChangeHubGrain> logger) : Grain, ICatalogChangeHubGrain
{
    /// <summary>A subscription not renewed for this long is dropped.</summary>
    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromSeconds(30);

    /// <summary>How many of the latest changes are remembered; a subscriber further behind forgets everything.</summary>
    public const int RememberedChanges = 4096;

    private readonly Dictionary<IProductChangeObserver, DateTimeOffset> _subscribers = [];
    private readonly Queue<string> _latest = new();
    private readonly Guid _epoch = Guid.NewGuid();
    private long _sequence;

    public Task SubscribeAsync(IProductChangeObserver observer)
    {
        _subscribers[observer] = time.GetUtcNow();
        return Task.CompletedTask;
    }

    public Task<CatalogChanges> CatchUpAsync(IProductChangeObserver observer, CatalogChangePosition? since)
    {
        _subscribers[observer] = time.GetUtcNow();
        var position = new CatalogChangePosition(_epoch, _sequence);
        var oldestRemembered = _sequence - _latest.Count;
        if (since is null || since.Epoch != _epoch || since.Sequence < oldestRemembered || since.Sequence > _sequence)
        {
            return Task.FromResult(new CatalogChanges(position, [], ForgetEverything: true));
        }

        var missed = (int)(_sequence - since.Sequence);
        string[] skus = missed == 0 ? [] : [.. _latest.Skip(_latest.Count - missed).Distinct(StringComparer.Ordinal)];
        return Task.FromResult(new CatalogChanges(position, skus, ForgetEverything: false));
    }

    public Task UnsubscribeAsync(IProductChangeObserver observer)
    {
        _subscribers.Remove(observer);
        return Task.CompletedTask;
    }

    public Task PublishAsync(string sku)
    {
        _sequence++;
        _latest.Enqueue(sku);
        if (_latest.Count > RememberedChanges)
        {
            _latest.Dequeue();
        }

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
                // One-way: a subscriber that went away must not slow down a product upsert; one that missed this
                // push hears of the change at its next catch-up.
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
