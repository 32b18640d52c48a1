using System.Text.RegularExpressions;
using Doorbuster.Baseline.Http;

namespace Doorbuster.Baseline.Catalog;

public static partial class CatalogApi
{
    public const decimal MaxPrice = 1_000_000m;

    /// <summary>The product that bare mode serves from memory.</summary>
    public static readonly ProductResponse BareProduct = new(
        "bare-1", "Bare product", "A constant served from memory, without Redis.", "bare", 19.99m, Money.DefaultCurrency, 1);

    public static IEndpointRouteBuilder MapCatalogApi(this IEndpointRouteBuilder app)
    {
        var products = app.MapGroup("/api/products").WithTags("Catalog").ValidateRouteIds();
        products.MapGet("/{sku}", GetProductAsync).WithName("GetProduct").WithSummary("A product by sku.");
        products.MapGet("/", ListProductsAsync).WithName("ListProducts").WithSummary("A page of products, ordered by sku, optionally of one category.");
        products.MapPut("/{sku}", UpsertProductAsync)
            .WithName("UpsertProduct")
            .WithSummary("Creates or updates a product (admin).")
            .RequireAdminKey();
        return app;
    }

    /// <summary>Bare mode: the same route, filters and JSON, from a constant.</summary>
    public static IEndpointRouteBuilder MapBareCatalogApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/products").WithTags("Catalog").ValidateRouteIds()
            .MapGet("/{sku}", GetBareProduct).WithName("GetProduct").WithSummary("A constant product (bare mode).");
        return app;
    }

    public static async Task<Results<Ok<ProductResponse>, ProblemHttpResult>> GetProductAsync(string sku, ProductStore products) =>
        await products.GetAsync(sku) is { } product ? TypedResults.Ok(product) : Problems.UnknownSku(sku);

    public static Ok<ProductResponse> GetBareProduct(string sku) => TypedResults.Ok(BareProduct with { Sku = sku });

    public static async Task<Results<Ok<ProductPageResponse>, ValidationProblem>> ListProductsAsync(
        ProductStore products, string? category = null, int page = 1, int pageSize = 20)
    {
        var errors = new RequestErrors()
            .Require(page >= 1, "page", "'page' must be 1 or more.")
            .Require(pageSize is >= 1 and <= 100, "pageSize", "'pageSize' must be between 1 and 100.");
        if (category is not null)
        {
            errors.RequireId("category", category);
        }

        return errors.Any ? errors.ToProblem() : TypedResults.Ok(await products.GetPageAsync(category, page, pageSize));
    }

    public static async Task<Results<Ok<ProductResponse>, ValidationProblem>> UpsertProductAsync(
        string sku, ProductUpsertRequest request, ProductStore products)
    {
        var currency = request.Currency ?? Money.DefaultCurrency;
        var errors = new RequestErrors()
            .Require(request.Name is { Length: >= 1 and <= 200 } && !string.IsNullOrWhiteSpace(request.Name), "name", "'name' must be 1-200 characters.")
            .Require(request.Description is null || request.Description.Length <= 4000, "description", "'description' must be at most 4000 characters.")
            .RequireId("category", request.Category)
            .Require(request.Price is > 0 and <= MaxPrice, "price", $"'price' must be more than 0 and at most {MaxPrice:0}.")
            .Require(request.Price is null || decimal.Round(request.Price.Value, 2) == request.Price.Value, "price", "'price' must have at most two decimals.")
            .Require(CurrencyCode().IsMatch(currency), "currency", "'currency' must be an ISO 4217 code such as USD.");
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return TypedResults.Ok(await products.UpsertAsync(sku, request.Name!, request.Description ?? "", request.Category!, request.Price!.Value, currency));
    }

    [GeneratedRegex("^[A-Z]{3}$", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyCode();
}
