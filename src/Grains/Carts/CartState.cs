namespace Doorbuster.Carts;

/// <summary>The stored lines of a cart, in the order they were first added, and the orders placed from it.</summary>
[GenerateSerializer, Alias("Doorbuster.Carts.CartState")]
public sealed class CartState
{
    [Id(0)] public List<CartLine> Lines { get; set; } = [];
    [Id(1)] public DateTimeOffset? UpdatedAt { get; set; }

    /// <summary>The currency of the lines; <c>null</c> while the cart is empty.</summary>
    [Id(2)] public string? Currency { get; set; }

    /// <summary>The latest orders placed from this cart, so that a repeated checkout is answered with its order.</summary>
    [Id(3)] public List<string> PlacedOrders { get; set; } = [];

    /// <summary>
    /// The version the latest place-order write stored this cart as (0: none since this was recorded). Every order
    /// placed from this cart at that version or earlier had its lines taken out by its write, remembered or not.
    /// </summary>
    [Id(4)] public long LastPlacedAtVersion { get; set; }
}
