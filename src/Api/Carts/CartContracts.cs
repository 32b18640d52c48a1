using System.ComponentModel.DataAnnotations;

namespace Doorbuster.Api.Carts;

/// <summary>A cart with current catalog prices.</summary>
public sealed record CartResponse(string CartId, CartItemResponse[] Items, decimal Total, string Currency, DateTimeOffset? UpdatedAt);

/// <summary>One line of a cart or an order.</summary>
public sealed record CartItemResponse(string Sku, string Name, decimal UnitPrice, int Quantity, decimal LineTotal);

/// <summary>The body of <c>POST /api/carts/{cartId}/items</c>.</summary>
public sealed record AddCartItemRequest([property: Required] string? Sku, [property: Required] int? Quantity);

/// <summary>The body of <c>PUT /api/carts/{cartId}/items/{sku}</c>.</summary>
public sealed record SetCartItemRequest([property: Required] int? Quantity);
