using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Doorbuster.Carts;

namespace Doorbuster.Api.Carts;

/// <summary>A cart with current catalog prices.</summary>
[Description("A cart, priced at the current catalog prices.")]
public sealed record CartResponse(
    [property: Description("The cart's id: issued by the server, and the shopper's key to the cart.")] string CartId,
    [property: Description("The lines of the cart, in the order they were first added.")] CartItemResponse[] Items,
    [property: Description("The sum of the lines' totals.")] decimal Total,
    [property: Description("ISO 4217 currency of every price of the cart.")] string Currency,
    [property: Description("When the cart last changed; null until its first change.")] DateTimeOffset? UpdatedAt);

/// <summary>One line of a cart.</summary>
[Description("One line of a cart.")]
public sealed record CartItemResponse(
    [property: Description("The product of the line.")] string Sku,
    [property: Description("The product's name.")] string Name,
    [property: Description("The product's current unit price.")] decimal UnitPrice,
    [property: Description("Units of the product, 1-99.")] int Quantity,
    [property: Description("Unit price times quantity.")] decimal LineTotal);

/// <summary>The body of <c>POST /api/carts/{cartId}/items</c>.</summary>
[Description("Units of a product to add to the cart.")]
public sealed record AddCartItemRequest(
    [property: Required, RegularExpression(Identifiers.Pattern), Description("The product to add.")] string? Sku,
    [property: Required, Range(1, CartLimits.MaxLineQuantity), Description("Units to add, 1-99; the line holds at most 99.")] int? Quantity);

/// <summary>The body of <c>PUT /api/carts/{cartId}/items/{sku}</c>.</summary>
[Description("The quantity a line of the cart should hold.")]
public sealed record SetCartItemRequest(
    [property: Required, Range(0, CartLimits.MaxLineQuantity), Description("Units of the line, 0-99; 0 removes the line.")] int? Quantity);
