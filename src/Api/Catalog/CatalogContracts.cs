using System.ComponentModel.DataAnnotations;
using Doorbuster.Catalog;

namespace Doorbuster.Api.Catalog;

/// <summary>A product, as the Api shows it.</summary>
public sealed record ProductResponse(string Sku, string Name, string Description, string Category, decimal Price, string Currency, long Version)
{
    public static ProductResponse From(ProductSnapshot product) =>
        new(product.Sku, product.Name, product.Description, product.Category, product.Price, product.Currency, product.Version);
}

/// <summary>One page of products, ordered by sku.</summary>
public sealed record ProductPageResponse(ProductResponse[] Items, int Page, int PageSize, int Total);

/// <summary>
/// The body of <c>PUT /api/products/{sku}</c>. Fields are nullable so that a missing one is reported, not defaulted;
/// <see cref="RequiredAttribute"/> marks the ones the contract requires (the OpenAPI document reads it).
/// </summary>
public sealed record ProductUpsertRequest(
    [property: Required] string? Name, string? Description, [property: Required] string? Category, [property: Required] decimal? Price, string? Currency);
