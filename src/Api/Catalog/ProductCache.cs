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
/// While the cluster or Redis cannot serve, a product or a non-empty page that this instance served before is
/// served again as it was last seen (stale on error), so browsing survives an outage; everything else, an
/// unknown sku included, is a 503.
/// </remarks>
public sealed class ProductCache(HybridCache cache, IGrainFactory grains, ClusterBoundary cluster, ApiMetrics metrics)
{
    /// <summary>
    /// The last safety net, behind the push and the once-a-second catch-up: it bounds only a change whose publish was
    /// lost while the hub lived. Long, because every expiry is a grain call: at 5 s, Zipf reads over 10,000 skus
    /// missed about 2,000 times a second and ran at half the rate (docs/performance.md, "A long expiry behind a catch-up").
    /// </summary>
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(60);

    /// <summary>How many last-seen products are kept for outages.</summary>
    public const int LastSeenCapacity = 100_000;

    /// <summary>How many last-seen pages are kept for outages, apart from the products so that pages cannot crowd them out.</summary>
    public const int LastSeenPageCapacity = 10_000;

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

    private readonly LastSeen<ProductSnapshot?> _lastSeenProducts = new(LastSeenCapacity, product => product is not null);
    private readonly LastSeen<CatalogPage> _lastSeenPages = new(LastSeenPageCapacity, page => page.Items.Length > 0);

    public ValueTask<ProductSnapshot?> GetProductAsync(string sku, CancellationToken cancellationToken) =>
        GetAsync(ProductKey(sku), () => grains.GetGrain<IProductGrain>(sku).GetAsync(), tags: null, _lastSeenProducts, cancellationToken);

    public ValueTask<CatalogPage> GetPageAsync(string? category, int page, int pageSize, CancellationToken cancellationToken)
    {
        var index = category ?? CatalogIndexKeys.All;
        return GetAsync(
            $"page:{index}:{page}:{pageSize}", () => grains.GetGrain<ICatalogIndexGrain>(index).GetPageAsync(page, pageSize), PageTags, _lastSeenPages, cancellationToken);
    }

    /// <summary>Forgets a changed product and every page (any page may list it).</summary>
    public async Task InvalidateAsync(string sku)
    {
        await cache.RemoveAsync(ProductKey(sku));
        await cache.RemoveByTagAsync(PagesTag);
    }

    /// <summary>Forgets every product and page, when the changes since they were cached cannot be known.</summary>
    public ValueTask ForgetEverythingAsync() => cache.RemoveByTagAsync(EveryEntry);

    private async ValueTask<T> GetAsync<T>(string key, Func<Task<T>> load, string[]? tags, LastSeen<T> lastSeen, CancellationToken cancellationToken)
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
                    lastSeen.Remember(key, fresh);
                    return fresh;
                },
                EntryOptions,
                tags,
                cancellationToken);
            metrics.ProductLookup(loaded ? "miss" : "hit");
            return value;
        }
        catch (Exception exception) when (ClusterFailures.IsOutage(exception) && lastSeen.TryGet(key, out var stale))
        {
            metrics.ProductLookup("stale");
            return stale;
        }
    }

    /// <summary>
    /// Answers kept to be served again in an outage: only those worth it (a product that exists, a page that lists
    /// some), because a flood of unknown skus or pages past the end would otherwise fill the bound and leave real
    /// products out. A bound, not an eviction policy: past it, what is known stays known and new keys are not kept.
    /// </summary>
    private sealed class LastSeen<T>(int capacity, Func<T, bool> isWorthKeeping)
    {
        private readonly ConcurrentDictionary<string, T> _answers = new(StringComparer.Ordinal);

        public void Remember(string key, T answer)
        {
            if (isWorthKeeping(answer) && (_answers.Count < capacity || _answers.ContainsKey(key)))
            {
                _answers[key] = answer;
            }
        }

        public bool TryGet(string key, out T answer) => _answers.TryGetValue(key, out answer!);
    }

    private static string ProductKey(string sku) => $"product:{sku}";
}
