namespace Doorbuster.Carts;

/// <summary>The stored lines of a cart, in the order they were first added, and the orders it gave lines to.</summary>
[GenerateSerializer, Alias("Doorbuster.Carts.CartState")]
public sealed class CartState
{
    [Id(0)] public List<CartLine> Lines { get; set; } = [];
    [Id(1)] public DateTimeOffset? UpdatedAt { get; set; }

    /// <summary>The currency of the lines; <c>null</c> while the cart is empty.</summary>
    [Id(2)] public string? Currency { get; set; }

    /// <summary>The latest orders whose lines were taken out of this cart, so that a repeat takes nothing.</summary>
    [Id(3)] public List<string> SettledOrders { get; set; } = [];
}
