using System.ComponentModel.DataAnnotations;
using Doorbuster.Api.Carts;
using Doorbuster.Api.Diagnostics;
using Doorbuster.Api.FrontDoor;
using Doorbuster.Api.Sales;
using Doorbuster.Carts;
using Doorbuster.Orders;
using Doorbuster.ServiceDefaults;
using Microsoft.AspNetCore.Mvc;

namespace Doorbuster.Api.Orders;

public static class OrderApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string IdempotencyKeyRule = "The Idempotency-Key header must be 1-64 visible ASCII characters.";

    public static IEndpointRouteBuilder MapOrderApi(this IEndpointRouteBuilder app)
    {
        app.MapCartRoutes().MapPost("/checkout", CheckoutAsync)
            .WithTags("Orders")
            .WithName("Checkout")
            .WithSummary("Reserves every line of the cart, all or nothing, and creates an order awaiting payment.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);

        var orders = app.MapGroup("/api/orders/{orderId}").WithTags("Orders").ValidateRouteIds();
        orders.MapGet("/", GetOrderAsync).WithName("GetOrder").WithSummary("An order.").ProducesProblem(StatusCodes.Status404NotFound);
        orders.MapPost("/pay", PayAsync).WithName("PayOrder").WithSummary("Pays the order: its reserved units are sold, every line or none.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        orders.MapPost("/cancel", CancelAsync).WithName("CancelOrder").WithSummary("Cancels the order: its reserved units return.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    public static async Task<Results<Created<OrderResponse>, ValidationProblem, ProblemHttpResult>> CheckoutAsync(
        string cartId,
        // [Required] is for the OpenAPI document; the check below answers a missing key with a validation problem.
        [FromHeader(Name = IdempotencyKeyHeader), Required] string? idempotencyKey,
        [FromHeader(Name = SaleApi.TicketHeader)] string? saleTicket,
        IGrainFactory grains,
        SaleViews sales,
        ClusterBoundary cluster,
        ApiMetrics metrics,
        CancellationToken cancellationToken)
    {
        if (!OrderIds.IsValidIdempotencyKey(idempotencyKey))
        {
            return new RequestErrors().Require(false, IdempotencyKeyHeader, $"{IdempotencyKeyRule} It is required.").ToProblem();
        }

        CheckoutResult result;
        try
        {
            result = await cluster.IdempotentWriteAsync(() => grains.GetGrain<ICartGrain>(cartId).CheckoutAsync(idempotencyKey!, saleTicket), cancellationToken);
        }
        catch
        {
            metrics.Checkout("failed");
            throw;
        }

        switch (result.Outcome)
        {
            case CheckoutOutcome.EmptyCart:
                metrics.Checkout("empty_cart");
                return Problems.BadRequest("empty-cart", "The cart is empty", $"Cart '{cartId}' has nothing to check out.");
            case CheckoutOutcome.TicketRequired:
                metrics.Checkout("ticket_required");
                return TypedResults.Problem(
                    $"{result.Refusal} Nothing was reserved.",
                    statusCode: StatusCodes.Status403Forbidden,
                    title: "A sale ticket is required",
                    type: ProblemTypes.For("ticket-required"));
            case CheckoutOutcome.CurrencyMismatch:
                metrics.Checkout("currency_mismatch");
                return Problems.Conflict("currency-mismatch", "Currency mismatch", $"{result.Refusal} Nothing was reserved.");
            case CheckoutOutcome.InsufficientStock:
                metrics.Checkout("insufficient_stock");
                return Problems.Conflict(
                    "insufficient-stock",
                    "Insufficient stock",
                    "Not every line of the cart is available; nothing was reserved. Short: "
                        + string.Join(", ", result.Shortages.Select(s => $"{s.Sku} (requested {s.Requested}, available {s.Available})")),
                    new Dictionary<string, object?>
                    {
                        ["shortages"] = result.Shortages.Select(s => new ShortageResponse(s.Sku, s.Requested, s.Available)).ToArray(),
                    });
            case CheckoutOutcome.Created or CheckoutOutcome.Duplicate when result.Order is { } order:
                metrics.Checkout(result.Outcome == CheckoutOutcome.Duplicate ? "duplicate" : "created");
                if (saleTicket is not null)
                {
                    sales.ForgetAges();
                }

                return TypedResults.Created($"/api/orders/{order.OrderId}", OrderResponse.From(order));
            default:
                // An outcome this build does not know (a newer silo during a rolling upgrade): nothing this Api can
                // say about it, so the shopper is told to try again, and the key keeps the retry the same checkout.
                throw new StoreUnavailableException(mayHaveBeenApplied: true, $"The checkout ended with an outcome this Api does not know ({result.Outcome}).");
        }
    }

    public static async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> GetOrderAsync(
        string orderId, IGrainFactory grains, ClusterBoundary cluster, CancellationToken cancellationToken)
    {
        var order = await cluster.ReadAsync(() => grains.GetGrain<IOrderGrain>(orderId).GetAsync(), cancellationToken);
        return order is null ? UnknownOrder(orderId) : TypedResults.Ok(OrderResponse.From(order));
    }

    public static async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> PayAsync(
        string orderId, IGrainFactory grains, ClusterBoundary cluster, CancellationToken cancellationToken) =>
        Respond(orderId, await cluster.IdempotentWriteAsync(() => grains.GetGrain<IOrderGrain>(orderId).PayAsync(), cancellationToken), "pay");

    public static async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> CancelAsync(
        string orderId, IGrainFactory grains, ClusterBoundary cluster, CancellationToken cancellationToken) =>
        Respond(orderId, await cluster.IdempotentWriteAsync(() => grains.GetGrain<IOrderGrain>(orderId).CancelAsync(), cancellationToken), "cancel");

    private static ProblemHttpResult UnknownOrder(string orderId) => Problems.NotFound($"There is no order '{orderId}'.");

    private static Results<Ok<OrderResponse>, ProblemHttpResult> Respond(string orderId, OrderActionResult result, string action) =>
        result.Outcome switch
        {
            OrderActionOutcome.NotFound => UnknownOrder(orderId),
            OrderActionOutcome.Conflict => Problems.Conflict(
                "order-state", "The order cannot change", $"Cannot {action} order '{orderId}': it is {result.Order!.Status}."),
            OrderActionOutcome.LinesUnsold => Problems.Conflict(
                "lines-unsold",
                "Not every line could be sold",
                $"Order '{orderId}' was paid, but its inventory held nothing for the lines of {string.Join(", ", result.UnsoldSkus ?? [])}: "
                    + "those units were not sold. The shop has been alerted; do not retry.",
                new Dictionary<string, object?> { ["unsoldSkus"] = result.UnsoldSkus ?? [] }),
            _ => TypedResults.Ok(OrderResponse.From(result.Order!)),
        };
}
