using Doorbuster.Api.Catalog;
using Doorbuster.Api.FrontDoor;
using Doorbuster.Carts;
using Doorbuster.Catalog;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Doorbuster.Api.Carts;

public static class CartApi
{
    public static IEndpointRouteBuilder MapCartApi(this IEndpointRouteBuilder app)
    {
        var carts = app.MapGroup("/api/carts/{cartId}").WithTags("Carts").ValidateRouteIds();
        carts.MapGet("/", GetCartAsync).WithName("GetCart").WithSummary("A cart with current prices; an unknown cart is empty.");
        carts.MapPost("/items", AddItemAsync).WithName("AddCartItem").WithSummary("Adds units of a sku to the cart.");
        carts.MapPut("/items/{sku}", SetItemAsync).WithName("SetCartItem").WithSummary("Sets the quantity of a line; 0 removes it.");
        carts.MapDelete("/items/{sku}", RemoveItemAsync).WithName("RemoveCartItem").WithSummary("Removes a line.");
        carts.MapDelete("/", ClearCartAsync).WithName("ClearCart").WithSummary("Empties the cart.");
        return app;
    }

    public static async Task<Ok<CartResponse>> GetCartAsync(
        string cartId, IGrainFactory grains, ProductCache products, CancellationToken cancellationToken)
    {
        var cart = await grains.GetGrain<ICartGrain>(cartId).GetAsync();
        return TypedResults.Ok(await ViewAsync(cartId, cart, products, cancellationToken));
    }

    public static async Task<Results<Ok<CartResponse>, ValidationProblem, ProblemHttpResult>> AddItemAsync(
        string cartId, AddCartItemRequest request, IGrainFactory grains, ProductCache products, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors()
            .RequireId("sku", request.Sku)
            .RequireRange("quantity", request.Quantity, 1, CartLimits.MaxLineQuantity);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var sku = request.Sku!;
        var product = await products.GetProductAsync(sku, cancellationToken);
        if (product is null)
        {
            return Problems.UnknownSku(sku);
        }

        var cart = grains.GetGrain<ICartGrain>(cartId);
        if (await CurrencyConflictAsync(cart, product, products, cancellationToken) is { } conflict)
        {
            return conflict;
        }

        return await RespondAsync(cartId, await cart.AddAsync(sku, request.Quantity!.Value), products, cancellationToken);
    }

    public static async Task<Results<Ok<CartResponse>, ValidationProblem, ProblemHttpResult>> SetItemAsync(
        string cartId, string sku, SetCartItemRequest request, IGrainFactory grains, ProductCache products, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors().RequireRange("quantity", request.Quantity, 0, CartLimits.MaxLineQuantity);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var product = await products.GetProductAsync(sku, cancellationToken);
        if (product is null)
        {
            return Problems.UnknownSku(sku);
        }

        var cart = grains.GetGrain<ICartGrain>(cartId);
        if (request.Quantity > 0 && await CurrencyConflictAsync(cart, product, products, cancellationToken) is { } conflict)
        {
            return conflict;
        }

        return await RespondAsync(cartId, await cart.SetQuantityAsync(sku, request.Quantity!.Value), products, cancellationToken);
    }

    public static async Task<Ok<CartResponse>> RemoveItemAsync(
        string cartId, string sku, IGrainFactory grains, ProductCache products, CancellationToken cancellationToken)
    {
        var update = await grains.GetGrain<ICartGrain>(cartId).SetQuantityAsync(sku, 0);
        return TypedResults.Ok(await ViewAsync(cartId, update.Cart, products, cancellationToken));
    }

    public static async Task<NoContent> ClearCartAsync(string cartId, IGrainFactory grains)
    {
        await grains.GetGrain<ICartGrain>(cartId).ClearAsync();
        return TypedResults.NoContent();
    }

    /// <summary>The cart with the current catalog name and price of every line.</summary>
    public static async Task<CartResponse> ViewAsync(
        string cartId, CartContents cart, ProductCache products, CancellationToken cancellationToken)
    {
        var items = new List<CartItemResponse>(cart.Lines.Length);
        var currency = CatalogApi.DefaultCurrency;
        foreach (var line in cart.Lines)
        {
            // Products are never deleted, so a line always has one; a miss would be a bug, not a reason to fail the cart.
            if (await products.GetProductAsync(line.Sku, cancellationToken) is { } product)
            {
                currency = product.Currency;
                items.Add(new CartItemResponse(line.Sku, product.Name, product.Price, line.Quantity, product.Price * line.Quantity));
            }
        }

        return new CartResponse(cartId, [.. items], items.Sum(item => item.LineTotal), currency, cart.UpdatedAt);
    }

    private static async Task<Results<Ok<CartResponse>, ValidationProblem, ProblemHttpResult>> RespondAsync(
        string cartId, CartUpdate update, ProductCache products, CancellationToken cancellationToken) =>
        update.Outcome switch
        {
            CartUpdateOutcome.LineQuantityExceeded => Problems.Conflict(
                "line-limit", "Line limit exceeded", $"A cart line holds at most {CartLimits.MaxLineQuantity} units."),
            CartUpdateOutcome.TooManyLines => Problems.Conflict(
                "cart-full", "Cart is full", $"A cart holds at most {CartLimits.MaxLines} distinct lines."),
            _ => TypedResults.Ok(await ViewAsync(cartId, update.Cart, products, cancellationToken)),
        };

    /// <summary>A cart has one currency: a product priced in another one cannot join it.</summary>
    private static async Task<ProblemHttpResult?> CurrencyConflictAsync(
        ICartGrain cart, ProductSnapshot product, ProductCache products, CancellationToken cancellationToken)
    {
        var contents = await cart.GetAsync();
        foreach (var line in contents.Lines)
        {
            if (line.Sku != product.Sku && await products.GetProductAsync(line.Sku, cancellationToken) is { } other)
            {
                return other.Currency == product.Currency
                    ? null
                    : Problems.Conflict(
                        "currency-mismatch", "Currency mismatch", $"The cart is priced in {other.Currency}; '{product.Sku}' is priced in {product.Currency}.");
            }
        }

        return null;
    }
}
