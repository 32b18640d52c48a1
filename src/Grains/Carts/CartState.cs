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

    /// <summary>The cart with other lines, keeping its memory of placed orders (every cart write but an order's keeps it).</summary>
    public CartState WithLines(List<CartLine> lines, string? currency, DateTimeOffset updatedAt) => new()
    {
        Lines = lines,
        Currency = currency,
        UpdatedAt = updatedAt,
        PlacedOrders = PlacedOrders,
        LastPlacedAtVersion = LastPlacedAtVersion,
    };

    /// <summary>
    /// The cart once order <paramref name="orderId"/>, placed by the write of version <paramref name="placedAt"/>, took
    /// its lines out: <paramref name="lines"/> are what is left; the order is remembered among the latest <paramref name="kept"/>.
    /// </summary>
    public CartState AfterOrder(string orderId, long placedAt, int kept, List<CartLine> lines, string? currency, DateTimeOffset updatedAt) => new()
    {
        Lines = lines,
        Currency = currency,
        UpdatedAt = updatedAt,
        PlacedOrders = [.. PlacedOrders.TakeLast(kept - 1), orderId],
        LastPlacedAtVersion = Math.Max(LastPlacedAtVersion, placedAt),
    };
}
