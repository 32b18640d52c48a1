using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Doorbuster.Api.Catalog;
using Doorbuster.Api.FrontDoor;
using Doorbuster.Api.Orders;
using Doorbuster.Inventory;
using Doorbuster.Orders;
using Doorbuster.ServiceDefaults.Admin;
using Microsoft.AspNetCore.Mvc;

namespace Doorbuster.Api.Inventory;

/// <summary>The stock of a sku, as the Api shows it.</summary>
[Description("The stock of a sku: available + reserved + sold is everything ever restocked.")]
public sealed record StockResponse(
    [property: Description("The product.")] string Sku,
    [property: Description("Units that can be reserved now.")] long Available,
    [property: Description("Units held by orders awaiting payment.")] long Reserved,
    [property: Description("Units sold.")] long Sold)
{
    public static StockResponse From(StockLevel stock) => new(stock.Sku, stock.Available, stock.Reserved, stock.Sold);
}

/// <summary>The body of a restock.</summary>
[Description("Units to add to what is available.")]
public sealed record RestockRequest(
    [property: Required, Range(1, 1_000_000), Description("Units to add, 1-1,000,000.")] int? Quantity);

public static class InventoryApi
{
    public const int MaxRestock = 1_000_000;

    public static IEndpointRouteBuilder MapInventoryApi(this IEndpointRouteBuilder app)
    {
        var inventory = app.MapGroup("/api/inventory").WithTags("Inventory").ValidateRouteIds();
        inventory.MapGet("/{sku}", GetStockAsync).WithName("GetStock").WithSummary("The stock of a sku.").ProducesProblem(StatusCodes.Status404NotFound);
        inventory.MapPost("/{sku}/restock", RestockAsync)
            .WithName("Restock")
            .WithSummary("Adds units to the stock of a sku (admin); with an Idempotency-Key, a repeat is counted once.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .RequireAdminKey();
        return app;
    }

    public static async Task<Results<Ok<StockResponse>, ProblemHttpResult>> GetStockAsync(
        string sku, ProductCache products, IGrainFactory grains, ClusterBoundary cluster, CancellationToken cancellationToken)
    {
        if (await products.GetProductAsync(sku, cancellationToken) is null)
        {
            return Problems.UnknownSku(sku);
        }

        var stock = await cluster.ReadAsync(() => grains.GetGrain<IInventoryGrain>(sku).GetAsync(), cancellationToken);
        return TypedResults.Ok(StockResponse.From(stock));
    }

    public static async Task<Results<Ok<StockResponse>, ValidationProblem, ProblemHttpResult>> RestockAsync(
        string sku,
        RestockRequest request,
        [FromHeader(Name = OrderApi.IdempotencyKeyHeader)] string? idempotencyKey,
        ProductCache products,
        IGrainFactory grains,
        ClusterBoundary cluster,
        CancellationToken cancellationToken)
    {
        var errors = new RequestErrors()
            .RequireRange("quantity", request.Quantity, 1, MaxRestock)
            .Require(idempotencyKey is null || OrderIds.IsValidIdempotencyKey(idempotencyKey), OrderApi.IdempotencyKeyHeader, OrderApi.IdempotencyKeyRule);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (await products.GetProductAsync(sku, cancellationToken) is null)
        {
            return Problems.UnknownSku(sku);
        }

        var inventory = grains.GetGrain<IInventoryGrain>(sku);
        var quantity = request.Quantity!.Value;
        var result = idempotencyKey is null
            ? await cluster.WriteAsync(() => inventory.RestockAsync(quantity, idempotencyKey), cancellationToken)
            : await cluster.IdempotentWriteAsync(() => inventory.RestockAsync(quantity, idempotencyKey), cancellationToken);
        return result.Outcome == RestockOutcome.KeyReused
            ? Problems.UnprocessableContent(
                "idempotency-key-reused",
                "Idempotency key reused",
                $"The {OrderApi.IdempotencyKeyHeader} '{idempotencyKey}' was used for a restock of another quantity of '{sku}'; nothing changed.")
            : TypedResults.Ok(StockResponse.From(result.Stock));
    }
}
