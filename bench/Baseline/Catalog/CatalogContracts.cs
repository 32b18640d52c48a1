namespace Doorbuster.Baseline.Catalog;

/// <summary>A product, as the contract shows it.</summary>
public sealed record ProductResponse(string Sku, string Name, string Description, string Category, decimal Price, string Currency, long Version);

/// <summary>One page of products, ordered by sku.</summary>
public sealed record ProductPageResponse(ProductResponse[] Items, int Page, int PageSize, int Total);

/// <summary>The body of <c>PUT /api/products/{sku}</c>. Nullable fields, so that a missing one is reported, not defaulted.</summary>
public sealed record ProductUpsertRequest(string? Name, string? Description, string? Category, decimal? Price, string? Currency);

/// <summary>What a cart or a checkout needs of a product: its current name and price.</summary>
public sealed record ProductPrice(string Name, decimal Price, string Currency);
