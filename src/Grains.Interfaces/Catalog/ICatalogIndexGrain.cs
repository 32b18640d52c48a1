using Orleans.Concurrency;

namespace Doorbuster.Catalog;

/// <summary>
/// The sorted product listing of one category, or of the whole catalog (key <see cref="CatalogIndexKeys.All"/>).
/// Maintained by <see cref="IProductGrain"/>; serves paged listings ordered by sku.
/// </summary>
[Alias("Doorbuster.Catalog.ICatalogIndexGrain")]
public interface ICatalogIndexGrain : IGrainWithStringKey
{
    /// <summary>Lists the product, unless the index already lists this version or a newer one.</summary>
    [Alias("Upsert")]
    Task UpsertAsync(ProductSnapshot product);

    /// <summary>Unlists the product if the index lists a version older than <paramref name="version"/> (it moved away).</summary>
    [Alias("Remove")]
    Task RemoveAsync(string sku, long version);

    /// <summary>Page <paramref name="page"/> (1-based) of <paramref name="pageSize"/> products, ordered by sku.</summary>
    [ReadOnly, Alias("GetPage")]
    Task<CatalogPage> GetPageAsync(int page, int pageSize);
}

[GenerateSerializer, Immutable, System.ComponentModel.ImmutableObject(true), Alias("Doorbuster.Catalog.CatalogPage")]
public sealed record CatalogPage(ProductSnapshot[] Items, int Page, int PageSize, int Total);

/// <summary>Keys of the catalog index grains.</summary>
public static class CatalogIndexKeys
{
    /// <summary>The index of every product. Not a valid category name, so it cannot collide with one.</summary>
    public const string All = "~all";
}
