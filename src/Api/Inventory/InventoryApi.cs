using Doorbuster.Api.Catalog;
using Doorbuster.Api.FrontDoor;
using Doorbuster.Inventory;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Doorbuster.Api.Inventory;

/// <summary>The stock of a sku, as the Api shows it.</summary>
public sealed record StockResponse(string Sku, long Available, long Reserved, long Sold)
{
    public static StockResponse From(StockLevel stock) => new(stock.Sku, stock.Available, stock.Reserved, stock.Sold);
}

/// <summary>The body of a restock.</summary>
public sealed record RestockRequest(int? Quantity);

public static class InventoryApi
{
    public const int MaxRestock = 1_000_000;

    public static IEndpointRouteBuilder MapInventoryApi(this IEndpointRouteBuilder app)
    {
        var inventory = app.MapGroup("/api/inventory").WithTags("Inventory").ValidateRouteIds();
        inventory.MapGet("/{sku}", GetStockAsync).WithName("GetStock").WithSummary("The stock of a sku.");
        inventory.MapPost("/{sku}/restock", RestockAsync)
            .WithName("Restock")
            .WithSummary("Adds units to the stock of a sku (admin).")
            .RequireAdminKey();
        return app;
    }

    public static async Task<Results<Ok<StockResponse>, ProblemHttpResult>> GetStockAsync(
        string sku, ProductCache products, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (await products.GetProductAsync(sku, cancellationToken) is null)
        {
            return Problems.UnknownSku(sku);
        }

        var stock = await grains.GetGrain<IInventoryGrain>(sku).GetAsync();
        return TypedResults.Ok(StockResponse.From(stock));
    }

    public static async Task<Results<Ok<StockResponse>, ValidationProblem, ProblemHttpResult>> RestockAsync(
        string sku, RestockRequest request, ProductCache products, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors().RequireRange("quantity", request.Quantity, 1, MaxRestock);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (await products.GetProductAsync(sku, cancellationToken) is null)
        {
            return Problems.UnknownSku(sku);
        }

        var stock = await grains.GetGrain<IInventoryGrain>(sku).RestockAsync(request.Quantity!.Value);
        return TypedResults.Ok(StockResponse.From(stock));
    }
}
