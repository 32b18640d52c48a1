using Doorbuster.Baseline.Http;
using Microsoft.AspNetCore.Mvc;

namespace Doorbuster.Baseline.Inventory;

public static class InventoryApi
{
    public const int MaxRestock = 1_000_000;
    public const string IdempotencyKeyHeader = "Idempotency-Key";

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

    public static async Task<Results<Ok<StockResponse>, ProblemHttpResult>> GetStockAsync(string sku, StockStore stock) =>
        await stock.GetAsync(sku) is { } level ? TypedResults.Ok(level) : Problems.UnknownSku(sku);

    public static async Task<Results<Ok<StockResponse>, ValidationProblem, ProblemHttpResult>> RestockAsync(
        string sku,
        RestockRequest request,
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        StockStore stock)
    {
        var errors = new RequestErrors()
            .RequireRange("quantity", request.Quantity, 1, MaxRestock)
            .Require(idempotencyKey is null || Identifiers.IsValidIdempotencyKey(idempotencyKey), IdempotencyKeyHeader,
                $"The {IdempotencyKeyHeader} header must be 1-64 visible ASCII characters.");
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return await stock.RestockAsync(sku, request.Quantity!.Value, idempotencyKey) is { } level
            ? TypedResults.Ok(level)
            : Problems.UnknownSku(sku);
    }
}
