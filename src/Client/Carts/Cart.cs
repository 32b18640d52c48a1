namespace Doorbuster.Client.Carts;

/// <summary>A cart, priced at the current catalog prices.</summary>
public sealed record Cart(string CartId, IReadOnlyList<CartItem> Items, decimal Total, string Currency, DateTimeOffset? UpdatedAt);

/// <summary>One line of a cart.</summary>
public sealed record CartItem(string Sku, string Name, decimal UnitPrice, int Quantity, decimal LineTotal);
