using Doorbuster.Api.Catalog;
using Doorbuster.Api.FrontDoor;
using Doorbuster.Carts;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Doorbuster.Api.Carts;

public static class CartApi
{
    public static WebApplicationBuilder AddCarts(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CartsOptions>()
            .BindConfiguration(CartsOptions.SectionName)
            .Validate(
                options => CartsOptions.KeyBytes(options.SigningKey) is not null,
                $"Carts:SigningKey (Carts__SigningKey) must be base64 of at least {CartsOptions.MinimumKeyBytes} random bytes, the same on every Api instance.")
            .Validate(
                options => options.PreviousSigningKey is null || CartsOptions.KeyBytes(options.PreviousSigningKey) is not null,
                $"Carts:PreviousSigningKey must be base64 of at least {CartsOptions.MinimumKeyBytes} bytes when set.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CartIds>();
        return builder;
    }

    public static IEndpointRouteBuilder MapCartApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/carts", CreateCart)
            .WithTags("Carts")
            .WithName("CreateCart")
            .WithSummary("Issues a new, empty cart; its id is the shopper's key to it.");

        var cart = app.MapCartRoutes();
        cart.MapGet("/", GetCartAsync).WithName("GetCart").WithSummary("A cart with current prices; an issued cart never touched is empty.");
        cart.MapPost("/items", AddItemAsync).WithName("AddCartItem").WithSummary("Adds units of a sku to the cart.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        cart.MapPut("/items/{sku}", SetItemAsync).WithName("SetCartItem").WithSummary("Sets the quantity of a line; 0 removes it.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        cart.MapDelete("/items/{sku}", RemoveItemAsync).WithName("RemoveCartItem").WithSummary("Removes a line.");
        cart.MapDelete("/", ClearCartAsync).WithName("ClearCart").WithSummary("Empties the cart.");
        return app;
    }

    /// <summary>
    /// The routes under <c>/api/carts/{cartId}</c>: malformed ids are a 400, ids the server did not issue a
    /// 404, and neither reaches a grain.
    /// </summary>
    public static RouteGroupBuilder MapCartRoutes(this IEndpointRouteBuilder app) =>
        app.MapGroup("/api/carts/{cartId}").WithTags("Carts").ValidateRouteIds().RequireIssuedCartId();

    public static Created<CartResponse> CreateCart(CartIds ids)
    {
        var cartId = ids.Issue();
        return TypedResults.Created($"/api/carts/{cartId}", new CartResponse(cartId, [], 0m, CatalogApi.DefaultCurrency, null));
    }

    public static async Task<Ok<CartResponse>> GetCartAsync(
        string cartId, IGrainFactory grains, ClusterBoundary cluster, ProductCache products, CancellationToken cancellationToken)
    {
        var cart = await cluster.ReadAsync(() => grains.GetGrain<ICartGrain>(cartId).GetAsync(), cancellationToken);
        return TypedResults.Ok(await ViewAsync(cartId, cart, products, cancellationToken));
    }

    public static async Task<Results<Ok<CartResponse>, ValidationProblem, ProblemHttpResult>> AddItemAsync(
        string cartId, AddCartItemRequest request, IGrainFactory grains, ClusterBoundary cluster, ProductCache products, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors()
            .RequireId("sku", request.Sku)
            .RequireRange("quantity", request.Quantity, 1, CartLimits.MaxLineQuantity);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var sku = request.Sku!;
        if (await products.GetProductAsync(sku, cancellationToken) is not { } product)
        {
            return Problems.UnknownSku(sku);
        }

        var quantity = request.Quantity!.Value;
        var update = await cluster.WriteAsync(() => grains.GetGrain<ICartGrain>(cartId).AddAsync(sku, quantity, product.Currency), cancellationToken);
        return await RespondAsync(cartId, update, products, cancellationToken);
    }

    public static async Task<Results<Ok<CartResponse>, ValidationProblem, ProblemHttpResult>> SetItemAsync(
        string cartId, string sku, SetCartItemRequest request, IGrainFactory grains, ClusterBoundary cluster, ProductCache products, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors().RequireRange("quantity", request.Quantity, 0, CartLimits.MaxLineQuantity);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (await products.GetProductAsync(sku, cancellationToken) is not { } product)
        {
            return Problems.UnknownSku(sku);
        }

        var quantity = request.Quantity!.Value;
        var update = await cluster.IdempotentWriteAsync(
            () => grains.GetGrain<ICartGrain>(cartId).SetQuantityAsync(sku, quantity, product.Currency), cancellationToken);
        return await RespondAsync(cartId, update, products, cancellationToken);
    }

    public static async Task<Ok<CartResponse>> RemoveItemAsync(
        string cartId, string sku, IGrainFactory grains, ClusterBoundary cluster, ProductCache products, CancellationToken cancellationToken)
    {
        // Removing a line never needs the product: a quantity of 0 ignores the currency.
        var update = await cluster.IdempotentWriteAsync(
            () => grains.GetGrain<ICartGrain>(cartId).SetQuantityAsync(sku, 0, CatalogApi.DefaultCurrency), cancellationToken);
        return TypedResults.Ok(await ViewAsync(cartId, update.Cart, products, cancellationToken));
    }

    public static async Task<NoContent> ClearCartAsync(string cartId, IGrainFactory grains, ClusterBoundary cluster, CancellationToken cancellationToken)
    {
        await cluster.IdempotentWriteAsync(() => grains.GetGrain<ICartGrain>(cartId).ClearAsync(), cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>The cart with the current catalog name and price of every line (near-cache lookups, in parallel).</summary>
    public static async Task<CartResponse> ViewAsync(
        string cartId, CartContents cart, ProductCache products, CancellationToken cancellationToken)
    {
        var lookups = cart.Lines.Select(line => products.GetProductAsync(line.Sku, cancellationToken)).ToArray();
        var items = new List<CartItemResponse>(cart.Lines.Length);
        var currencies = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < lookups.Length; i++)
        {
            // Products are never deleted, so a line always has one; a miss would be a bug, not a reason to fail the cart.
            if (await lookups[i] is { } product)
            {
                var line = cart.Lines[i];
                items.Add(new CartItemResponse(line.Sku, product.Name, product.Price, line.Quantity, product.Price * line.Quantity));
                currencies.Add(product.Currency);
            }
        }

        // The prices are the catalog's current ones, so their currency is too: the cart's own is the one its lines had
        // when they joined, and a product's currency may have changed since. Lines that now disagree cannot be named by
        // one currency; checkout refuses such a cart (currency-mismatch) until the shopper keeps one currency.
        var currency = currencies.Count == 1 ? currencies.Single() : cart.Currency ?? CatalogApi.DefaultCurrency;
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
            CartUpdateOutcome.CurrencyMismatch => Problems.Conflict(
                "currency-mismatch", "Currency mismatch", $"The cart is priced in {update.Cart.Currency}; a product in another currency cannot join it."),
            _ => TypedResults.Ok(await ViewAsync(cartId, update.Cart, products, cancellationToken)),
        };
}
