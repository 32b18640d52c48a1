using Orleans.Concurrency;

namespace Doorbuster.Catalog;

/// <summary>One product of the catalog, keyed by sku. The activation is the cache of the product.</summary>
[Alias("Doorbuster.Catalog.IProductGrain")]
public interface IProductGrain : IGrainWithStringKey
{
    /// <summary>The product, or <c>null</c> when no product with this sku was ever created.</summary>
    [ReadOnly, Alias("Get")]
    Task<ProductSnapshot?> GetAsync();

    /// <summary>Creates or replaces the product; the version increments and the catalog indexes follow.</summary>
    [Alias("Upsert")]
    Task<ProductSnapshot> UpsertAsync(ProductDetails details);
}

/// <summary>The editable fields of a product.</summary>
[GenerateSerializer, Immutable, Alias("Doorbuster.Catalog.ProductDetails")]
public sealed record ProductDetails(string Name, string Description, string Category, decimal Price, string Currency);

/// <summary>A product as stored, with its sku and version.</summary>
[GenerateSerializer, Immutable, System.ComponentModel.ImmutableObject(true), Alias("Doorbuster.Catalog.ProductSnapshot")]
public sealed record ProductSnapshot(
    string Sku, string Name, string Description, string Category, decimal Price, string Currency, long Version);
