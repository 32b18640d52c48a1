using Doorbuster.Catalog;
using Doorbuster.Api.Diagnostics;
using Microsoft.Extensions.Caching.Hybrid;

namespace Doorbuster.Api.Catalog;

/// <summary>
/// The Api's near cache (L0) of products and catalog pages. Concurrent misses of one key are coalesced
/// into one grain call by <see cref="HybridCache"/>; changes are pushed in by
/// <see cref="ProductChangeSubscriber"/>, and the short expiry bounds staleness if a push is lost.
/// </summary>
public sealed class ProductCache(HybridCache cache, IGrainFactory grains, ApiMetrics metrics)
{
    /// <summary>The safety net behind push invalidation.</summary>
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(5);

    private const string PagesTag = "catalog-pages";

    private static readonly HybridCacheEntryOptions EntryOptions = new()
    {
        Expiration = TimeToLive,
        LocalCacheExpiration = TimeToLive,
        Flags = HybridCacheEntryFlags.DisableDistributedCache,
    };

    private static readonly string[] PageTags = [PagesTag];

    public async ValueTask<ProductSnapshot?> GetProductAsync(string sku, CancellationToken cancellationToken)
    {
        var loaded = false;
        var product = await cache.GetOrCreateAsync(
            ProductKey(sku),
            async _ =>
            {
                loaded = true;
                return await grains.GetGrain<IProductGrain>(sku).GetAsync();
            },
            EntryOptions,
            cancellationToken: cancellationToken);
        metrics.ProductLookup(hit: !loaded);
        return product;
    }

    public async ValueTask<CatalogPage> GetPageAsync(string? category, int page, int pageSize, CancellationToken cancellationToken)
    {
        var index = category ?? CatalogIndexKeys.All;
        var loaded = false;
        var result = await cache.GetOrCreateAsync(
            $"page:{index}:{page}:{pageSize}",
            async _ =>
            {
                loaded = true;
                return await grains.GetGrain<ICatalogIndexGrain>(index).GetPageAsync(page, pageSize);
            },
            EntryOptions,
            PageTags,
            cancellationToken);
        metrics.ProductLookup(hit: !loaded);
        return result;
    }

    /// <summary>Forgets a changed product and every page (any page may list it).</summary>
    public async Task InvalidateAsync(string sku)
    {
        await cache.RemoveAsync(ProductKey(sku));
        await cache.RemoveByTagAsync(PagesTag);
    }

    private static string ProductKey(string sku) => $"product:{sku}";
}
