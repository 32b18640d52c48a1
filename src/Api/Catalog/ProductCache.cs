using System.Collections.Concurrent;
using Doorbuster.Api.Diagnostics;
using Doorbuster.Api.FrontDoor;
using Doorbuster.Catalog;
using Microsoft.Extensions.Caching.Hybrid;

namespace Doorbuster.Api.Catalog;

/// <summary>
/// The Api's near cache (L0) of products and catalog pages. Concurrent misses of one key are coalesced
/// into one grain call by <see cref="HybridCache"/>; changes are pushed in and caught up once a second by
/// <see cref="ProductChangeSubscriber"/>, and the expiry bounds staleness only where both failed.
/// </summary>
/// <remarks>
/// While the cluster or Redis cannot serve, a product or page that this instance served before is served
/// again as it was last seen (stale on error), so browsing survives an outage; everything else is a 503.
/// </remarks>
public sealed class ProductCache(HybridCache cache, IGrainFactory grains, ClusterBoundary cluster, ApiMetrics metrics)
{
    /// <summary>
    /// The last safety net, behind the push and the once-a-second catch-up: it bounds only a change whose publish was
    /// lost while the hub lived. Long, because every expiry is a grain call: at 5 s, Zipf reads over 10,000 skus
    /// missed about 2,000 times a second and ran at half the rate (docs/performance.md, "A long expiry behind a catch-up").
    /// </summary>
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(60);

    /// <summary>How many last-seen answers are kept for outages (products and pages together).</summary>
    public const int LastSeenCapacity = 100_000;

    private const string PagesTag = "catalog-pages";

    private static readonly HybridCacheEntryOptions EntryOptions = new()
    {
        Expiration = TimeToLive,
        LocalCacheExpiration = TimeToLive,
        Flags = HybridCacheEntryFlags.DisableDistributedCache,
    };

    /// <summary>HybridCache's wildcard tag: removing it invalidates every entry.</summary>
    private const string EveryEntry = "*";

    private static readonly string[] PageTags = [PagesTag];

    private readonly ConcurrentDictionary<string, object?> _lastSeen = new(StringComparer.Ordinal);

    public ValueTask<ProductSnapshot?> GetProductAsync(string sku, CancellationToken cancellationToken) =>
        GetAsync(ProductKey(sku), () => grains.GetGrain<IProductGrain>(sku).GetAsync(), tags: null, cancellationToken);

    public ValueTask<CatalogPage> GetPageAsync(string? category, int page, int pageSize, CancellationToken cancellationToken)
    {
        var index = category ?? CatalogIndexKeys.All;
        return GetAsync(
            $"page:{index}:{page}:{pageSize}", () => grains.GetGrain<ICatalogIndexGrain>(index).GetPageAsync(page, pageSize), PageTags, cancellationToken);
    }

    /// <summary>Forgets a changed product and every page (any page may list it).</summary>
    public async Task InvalidateAsync(string sku)
    {
        await cache.RemoveAsync(ProductKey(sku));
        await cache.RemoveByTagAsync(PagesTag);
    }

    /// <summary>Forgets every product and page, when the changes since they were cached cannot be known.</summary>
    public ValueTask ForgetEverythingAsync() => cache.RemoveByTagAsync(EveryEntry);

    private async ValueTask<T> GetAsync<T>(string key, Func<Task<T>> load, string[]? tags, CancellationToken cancellationToken)
    {
        var loaded = false;
        try
        {
            var value = await cache.GetOrCreateAsync(
                key,
                async token =>
                {
                    loaded = true;
                    var fresh = await cluster.ReadAsync(load, token);
                    Remember(key, fresh);
                    return fresh;
                },
                EntryOptions,
                tags,
                cancellationToken);
            metrics.ProductLookup(loaded ? "miss" : "hit");
            return value;
        }
        catch (Exception exception) when (ClusterFailures.IsOutage(exception) && _lastSeen.TryGetValue(key, out var stale))
        {
            metrics.ProductLookup("stale");
            return (T)stale!;
        }
    }

    private void Remember(string key, object? value)
    {
        // A bound, not an eviction policy: past it, what is known stays known and new keys are not kept.
        if (_lastSeen.Count < LastSeenCapacity || _lastSeen.ContainsKey(key))
        {
            _lastSeen[key] = value;
        }
    }

    private static string ProductKey(string sku) => $"product:{sku}";
}
