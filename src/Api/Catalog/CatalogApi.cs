using Doorbuster.Api.FrontDoor;
using Doorbuster.Catalog;
using Doorbuster.ServiceDefaults.Admin;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Doorbuster.Api.Catalog;

public static class CatalogApi
{
    public const string DefaultCurrency = "USD";
    public const decimal MaxPrice = 1_000_000m;

    public static WebApplicationBuilder AddCatalog(this WebApplicationBuilder builder)
    {
        builder.Services.AddHybridCache();
        builder.Services.AddSingleton<ProductCache>();
        builder.Services.AddSingleton<ProductChangeSubscriber>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ProductChangeSubscriber>());
        return builder;
    }

    public static IEndpointRouteBuilder MapCatalogApi(this IEndpointRouteBuilder app)
    {
        var products = app.MapGroup("/api/products").WithTags("Catalog").ValidateRouteIds();
        products.MapGet("/{sku}", GetProductAsync).WithName("GetProduct").WithSummary("A product by sku.").ProducesProblem(StatusCodes.Status404NotFound);
        products.MapGet("/", ListProductsAsync).WithName("ListProducts").WithSummary("A page of products, ordered by sku, optionally of one category.");
        products.MapPut("/{sku}", UpsertProductAsync)
            .WithName("UpsertProduct")
            .WithSummary("Creates or updates a product (admin).")
            .RequireAdminKey();
        return app;
    }

    public static async Task<Results<Ok<ProductResponse>, ProblemHttpResult>> GetProductAsync(
        string sku, ProductCache cache, CancellationToken cancellationToken)
    {
        var product = await cache.GetProductAsync(sku, cancellationToken);
        return product is null
            ? Problems.UnknownSku(sku)
            : TypedResults.Ok(ProductResponse.From(product));
    }

    public static async Task<Results<Ok<ProductPageResponse>, ValidationProblem>> ListProductsAsync(
        ProductCache cache, CancellationToken cancellationToken, string? category = null, int page = 1, int pageSize = 20)
    {
        var errors = new RequestErrors()
            .Require(page >= 1, "page", "'page' must be 1 or more.")
            .Require(pageSize is >= 1 and <= 100, "pageSize", "'pageSize' must be between 1 and 100.");
        if (category is not null)
        {
            errors.RequireId("category", category);
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var result = await cache.GetPageAsync(category, page, pageSize, cancellationToken);
        return TypedResults.Ok(new ProductPageResponse(
            [.. result.Items.Select(ProductResponse.From)], result.Page, result.PageSize, result.Total));
    }

    public static async Task<Results<Ok<ProductResponse>, ValidationProblem>> UpsertProductAsync(
        string sku, ProductUpsertRequest request, IGrainFactory grains, ClusterBoundary cluster, ProductCache cache, CancellationToken cancellationToken)
    {
        var currency = request.Currency ?? DefaultCurrency;
        var errors = new RequestErrors()
            .Require(request.Name is { Length: >= 1 and <= 200 } && !string.IsNullOrWhiteSpace(request.Name), "name", "'name' must be 1-200 characters.")
            .Require(request.Description is null || request.Description.Length <= 4000, "description", "'description' must be at most 4000 characters.")
            .RequireId("category", request.Category)
            .Require(request.Price is > 0 and <= MaxPrice, "price", $"'price' must be more than 0 and at most {MaxPrice:0}.")
            .Require(request.Price is null || decimal.Round(request.Price.Value, 2) == request.Price.Value, "price", "'price' must have at most two decimals.")
            .Require(IsCurrencyCode(currency), "currency", "'currency' must be an ISO 4217 code such as USD.");
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        // 19.990 is 19.99, and is answered so: a decimal keeps the scale it was written with.
        var details = new ProductDetails(request.Name!, request.Description ?? "", request.Category!, decimal.Round(request.Price!.Value, 2), currency);
        var product = await cluster.IdempotentWriteAsync(() => grains.GetGrain<IProductGrain>(sku).UpsertAsync(details), cancellationToken);

        // Read your own writes on this instance at once; the others hear of it by push within a second.
        await cache.InvalidateAsync(sku);
        return TypedResults.Ok(ProductResponse.From(product));
    }

    /// <summary>Three capital letters (not a regular expression: in .NET <c>$</c> also matches before a final newline).</summary>
    private static bool IsCurrencyCode(string currency) => currency is [>= 'A' and <= 'Z', >= 'A' and <= 'Z', >= 'A' and <= 'Z'];
}
