using Doorbuster.Baseline.Carts;
using Doorbuster.Baseline.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Doorbuster.Baseline.Orders;

public static class OrderApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static WebApplicationBuilder AddOrders(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CheckoutOptions>()
            .BindConfiguration(CheckoutOptions.SectionName)
            .Validate(o => o.PaymentWindow > TimeSpan.Zero, "Checkout:PaymentWindow must be positive.")
            .ValidateOnStart();
        builder.Services.AddOptions<OrderOptions>()
            .BindConfiguration(OrderOptions.SectionName)
            .Validate(o => o.Retention > TimeSpan.Zero, "Orders:Retention must be positive.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<OrderStore>();
        builder.Services.AddHostedService<OrderExpirySweeper>();
        return builder;
    }

    public static IEndpointRouteBuilder MapOrderApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/carts/{cartId}/checkout", CheckoutAsync)
            .WithTags("Orders")
            .WithName("Checkout")
            .WithSummary("Reserves every line of the cart, all or nothing, and creates an order awaiting payment.")
            .ValidateRouteIds()
            .RequireIssuedCartId();

        var orders = app.MapGroup("/api/orders/{orderId}").WithTags("Orders").ValidateRouteIds();
        orders.MapGet("/", GetOrderAsync).WithName("GetOrder").WithSummary("An order.");
        orders.MapPost("/pay", PayAsync).WithName("PayOrder").WithSummary("Pays the order: its reserved units are sold.");
        orders.MapPost("/cancel", CancelAsync).WithName("CancelOrder").WithSummary("Cancels the order: its reserved units return.");
        return app;
    }

    public static async Task<Results<Created<OrderResponse>, ValidationProblem, ProblemHttpResult>> CheckoutAsync(
        string cartId, [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey, OrderStore orders)
    {
        if (!Identifiers.IsValidIdempotencyKey(idempotencyKey))
        {
            return new RequestErrors()
                .Require(false, IdempotencyKeyHeader, $"The {IdempotencyKeyHeader} header is required: 1-64 visible ASCII characters.")
                .ToProblem();
        }

        var result = await orders.CheckoutAsync(cartId, idempotencyKey!);
        return result.Outcome switch
        {
            CheckoutOutcome.EmptyCart => Problems.BadRequest("empty-cart", "The cart is empty", $"Cart '{cartId}' has nothing to check out."),
            CheckoutOutcome.InsufficientStock => Problems.Conflict(
                "insufficient-stock",
                "Insufficient stock",
                "Not every line of the cart is available; nothing was reserved. Short: "
                    + string.Join(", ", result.Shortages.Select(s => $"{s.Sku} (requested {s.Requested}, available {s.Available})")),
                new Dictionary<string, object?> { ["shortages"] = result.Shortages }),
            _ => TypedResults.Created($"/api/orders/{result.Order!.OrderId}", result.Order),
        };
    }

    public static async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> GetOrderAsync(string orderId, OrderStore orders) =>
        await orders.GetAsync(orderId) is { } order ? TypedResults.Ok(order) : Problems.UnknownOrder(orderId);

    public static async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> PayAsync(string orderId, OrderStore orders) =>
        Respond(orderId, await orders.PayAsync(orderId), "pay");

    public static async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> CancelAsync(string orderId, OrderStore orders) =>
        Respond(orderId, await orders.CancelAsync(orderId), "cancel");

    private static Results<Ok<OrderResponse>, ProblemHttpResult> Respond(string orderId, OrderActionResult result, string action) =>
        result.Outcome switch
        {
            OrderActionOutcome.NotFound => Problems.UnknownOrder(orderId),
            OrderActionOutcome.Conflict => Problems.Conflict(
                "order-state", "The order cannot change", $"Cannot {action} order '{orderId}': it is {result.Order!.Status}."),
            _ => TypedResults.Ok(result.Order!),
        };
}
