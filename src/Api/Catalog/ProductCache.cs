using System.Collections.Concurrent;
using Doorbuster.Api.Diagnostics;
using Doorbuster.Api.FrontDoor;
using Doorbuster.Catalog;
using Microsoft.Extensions.Caching.Hybrid;

namespace Doorbuster.Api.Catalog;

/// <summary>
/// The Api's near cache (L0) of products and catalog pages. Concurrent misses of one key are coalesced
/// into one grain call by <see cref="HybridCache"/>; changes are pushed in by
/// <see cref="ProductChangeSubscriber"/>, and the short expiry bounds staleness if a push is lost.
/// </summary>
/// <remarks>
/// While the cluster or Redis cannot serve, a product or page that this instance served before is served
/// again as it was last seen (stale on error), so browsing survives an outage; everything else is a 503.
/// </remarks>
public sealed class ProductCache(HybridCache cache, IGrainFactory grains, ClusterBoundary cluster, ApiMetrics metrics)
{
    /// <summary>The safety net behind push invalidation.</summary>
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(5);

    /// <summary>How many last-seen answers are kept for outages (products and pages together).</summary>
    public const int LastSeenCapacity = 100_000;

    private const string PagesTag = "catalog-pages";

    private static readonly HybridCacheEntryOptions EntryOptions = new()
    {
        Expiration = TimeToLive,
        LocalCacheExpiration = TimeToLive,
        Flags = HybridCacheEntryFlags.DisableDistributedCache,
    };

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
