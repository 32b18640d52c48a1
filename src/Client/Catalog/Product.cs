namespace Doorbuster.Client.Catalog;

/// <summary>A product of the catalog.</summary>
public sealed record Product(string Sku, string Name, string Description, string Category, decimal Price, string Currency, long Version);

/// <summary>One page of products, ordered by sku.</summary>
public sealed record ProductPage(IReadOnlyList<Product> Items, int Page, int PageSize, int Total);

/// <summary>A product to create or replace (operators).</summary>
public sealed record ProductUpsert(string Name, string Category, decimal Price, string? Description = null, string? Currency = null);
