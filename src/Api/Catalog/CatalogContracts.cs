using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Doorbuster.Catalog;

namespace Doorbuster.Api.Catalog;

/// <summary>A product, as the Api shows it.</summary>
[Description("A product of the catalog.")]
public sealed record ProductResponse(
    [property: Description("The product's id (stock keeping unit).")] string Sku,
    [property: Description("The name shown to shoppers.")] string Name,
    [property: Description("A longer text shown to shoppers; may be empty.")] string Description,
    [property: Description("The category the product is listed in.")] string Category,
    [property: Description("The unit price, at most two decimals, in the product's currency.")] decimal Price,
    [property: Description("ISO 4217 currency of the price.")] string Currency,
    [property: Description("Increments with every change of the product.")] long Version)
{
    public static ProductResponse From(ProductSnapshot product) =>
        new(product.Sku, product.Name, product.Description, product.Category, product.Price, product.Currency, product.Version);
}

/// <summary>One page of products, ordered by sku.</summary>
[Description("One page of products, ordered by sku.")]
public sealed record ProductPageResponse(
    [property: Description("The products of this page.")] ProductResponse[] Items,
    [property: Description("The page number, from 1.")] int Page,
    [property: Description("The page size asked for.")] int PageSize,
    [property: Description("How many products the listing holds in all.")] int Total);

/// <summary>
/// The body of <c>PUT /api/products/{sku}</c>. Fields are nullable so that a missing one is reported, not defaulted;
/// <see cref="RequiredAttribute"/> marks the ones the contract requires (the OpenAPI document reads it), and the other
/// attributes state the contract's bounds for the document (the Api checks them itself, with a problem per field).
/// </summary>
[Description("A product to create or replace.")]
public sealed record ProductUpsertRequest(
    [property: Required, StringLength(200, MinimumLength = 1), Description("The name shown to shoppers, 1-200 characters.")] string? Name,
    [property: StringLength(4000), Description("A longer text, up to 4,000 characters; empty when left out.")] string? Description,
    [property: Required, RegularExpression(Identifiers.Pattern), Description("The category to list the product in (an identifier).")] string? Category,
    [property: Required, Range(typeof(decimal), "0.01", "1000000"), Description("The unit price: more than 0, at most 1,000,000, two decimals at most.")] decimal? Price,
    [property: RegularExpression("^[A-Z]{3}$"), Description("ISO 4217 currency of the price; USD when left out.")] string? Currency);
