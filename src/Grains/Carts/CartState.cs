namespace Doorbuster.Carts;

/// <summary>The stored lines of a cart, in the order they were first added.</summary>
[GenerateSerializer, Alias("Doorbuster.Carts.CartState")]
public sealed class CartState
{
    [Id(0)] public List<CartLine> Lines { get; set; } = [];
    [Id(1)] public DateTimeOffset? UpdatedAt { get; set; }
}
