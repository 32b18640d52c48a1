using System.Security.Cryptography;
using Doorbuster.Api.Carts;
using Doorbuster.Baseline.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Doorbuster.Baseline.Carts;

public static class CartApi
{
    /// <summary>
    /// Cart ids exactly as Doorbuster issues them (<see cref="CartIds"/> is the Api's own, compiled in), so that the
    /// comparison pays the same signature check per request. Without a configured key one is generated at start:
    /// its ids then die with the process.
    /// </summary>
    public static WebApplicationBuilder AddCarts(this WebApplicationBuilder builder)
    {
        var generated = string.IsNullOrWhiteSpace(builder.Configuration[$"{CartsOptions.SectionName}:SigningKey"]);
        if (generated)
        {
            builder.Configuration[$"{CartsOptions.SectionName}:SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(CartsOptions.MinimumKeyBytes));
        }

        builder.Services.AddOptions<CartsOptions>()
            .BindConfiguration(CartsOptions.SectionName)
            .Validate(o => CartsOptions.KeyBytes(o.SigningKey) is not null, $"Carts:SigningKey must be base64 of at least {CartsOptions.MinimumKeyBytes} bytes.")
            .Validate(o => o.PreviousSigningKey is null || CartsOptions.KeyBytes(o.PreviousSigningKey) is not null, $"Carts:PreviousSigningKey must be base64 of at least {CartsOptions.MinimumKeyBytes} bytes.")
            .ValidateOnStart();
        builder.Services.AddSingleton(new GeneratedSigningKey(generated));
        builder.Services.AddSingleton<CartIds>();
        builder.Services.AddSingleton<CartStore>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }

    public static IEndpointRouteBuilder MapCartApi(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetRequiredService<GeneratedSigningKey>().WasGenerated)
        {
            app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CartApi))
                .LogWarning("Carts:SigningKey is not set: cart ids are signed with a key generated for this process only");
        }

        app.MapPost("/api/carts", CreateCart).WithTags("Carts").WithName("CreateCart").WithSummary("Issues a new, empty cart.");

        var carts = app.MapGroup("/api/carts/{cartId}").WithTags("Carts").ValidateRouteIds().RequireIssuedCartId();
        carts.MapGet("/", GetCartAsync).WithName("GetCart").WithSummary("A cart with current prices; an issued cart never changed is empty.");
        carts.MapPost("/items", AddItemAsync).WithName("AddCartItem").WithSummary("Adds units of a sku to the cart.");
        carts.MapPut("/items/{sku}", SetItemAsync).WithName("SetCartItem").WithSummary("Sets the quantity of a line; 0 removes it.");
        carts.MapDelete("/items/{sku}", RemoveItemAsync).WithName("RemoveCartItem").WithSummary("Removes a line.");
        carts.MapDelete("/", ClearCartAsync).WithName("ClearCart").WithSummary("Empties the cart.");
        return app;
    }

    /// <summary>
    /// The cart id in the route must be one this server issued, checked before anything else: a forged id is
    /// the same 404 as a cart that does not exist, and costs no Redis call.
    /// </summary>
    public static TBuilder RequireIssuedCartId<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var cartId = context.HttpContext.Request.RouteValues["cartId"] as string;
            var ids = context.HttpContext.RequestServices.GetRequiredService<CartIds>();
            return cartId is not null && ids.WasIssued(cartId) ? await next(context) : Problems.UnknownCart(cartId ?? "");
        });

    public static Created<CartResponse> CreateCart(CartIds ids)
    {
        var cartId = ids.Issue();
        return TypedResults.Created($"/api/carts/{cartId}", CartStore.Empty(cartId));
    }

    public static async Task<Ok<CartResponse>> GetCartAsync(string cartId, CartStore carts) =>
        TypedResults.Ok(await carts.GetAsync(cartId));

    public static async Task<Results<Ok<CartResponse>, ValidationProblem, ProblemHttpResult>> AddItemAsync(
        string cartId, AddCartItemRequest request, CartStore carts)
    {
        var errors = new RequestErrors()
            .RequireId("sku", request.Sku)
            .RequireRange("quantity", request.Quantity, 1, CartStore.MaxLineQuantity);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return Respond(request.Sku!, await carts.UpdateAsync(cartId, request.Sku!, request.Quantity!.Value, CartLineChange.Add));
    }

    public static async Task<Results<Ok<CartResponse>, ValidationProblem, ProblemHttpResult>> SetItemAsync(
        string cartId, string sku, SetCartItemRequest request, CartStore carts)
    {
        var errors = new RequestErrors().RequireRange("quantity", request.Quantity, 0, CartStore.MaxLineQuantity);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return Respond(sku, await carts.UpdateAsync(cartId, sku, request.Quantity!.Value, CartLineChange.Set));
    }

    public static async Task<Results<Ok<CartResponse>, ValidationProblem, ProblemHttpResult>> RemoveItemAsync(
        string cartId, string sku, CartStore carts) =>
        Respond(sku, await carts.UpdateAsync(cartId, sku, 0, CartLineChange.Remove));

    public static async Task<NoContent> ClearCartAsync(string cartId, CartStore carts)
    {
        await carts.ClearAsync(cartId);
        return TypedResults.NoContent();
    }

    private static Results<Ok<CartResponse>, ValidationProblem, ProblemHttpResult> Respond(string sku, CartUpdate update) =>
        update.Outcome switch
        {
            CartUpdateOutcome.Updated => TypedResults.Ok(update.Cart!),
            CartUpdateOutcome.UnknownSku => Problems.UnknownSku(sku),
            CartUpdateOutcome.LineLimit => Problems.Conflict(
                "line-limit", "Line limit exceeded", $"A cart line holds at most {CartStore.MaxLineQuantity} units."),
            CartUpdateOutcome.CartFull => Problems.Conflict(
                "cart-full", "Cart is full", $"A cart holds at most {CartStore.MaxLines} distinct lines."),
            _ => Problems.Conflict(
                "currency-mismatch", "Currency mismatch", $"'{sku}' is priced in another currency than the rest of the cart."),
        };
}

/// <summary>Whether the cart signing key was generated at start (none configured).</summary>
internal sealed record GeneratedSigningKey(bool WasGenerated);
