using Doorbuster.Inventory;

namespace Doorbuster.Orders;

/// <summary>
/// The stored order. Nothing is stored for a checkout that was refused: an order exists from the moment its
/// cart placed it, with every line held by the checkout attempt it names, and a settlement (pay, cancel,
/// expiry) is decided here (stored) before any line is touched.
/// </summary>
[GenerateSerializer, Alias("Doorbuster.Orders.OrderState")]
public sealed class OrderState
{
    [Id(0)] public OrderStatus Status { get; set; }
    [Id(1)] public string CartId { get; set; } = "";
    [Id(2)] public OrderLine[] Lines { get; set; } = [];
    [Id(3)] public string Currency { get; set; } = "USD";
    [Id(4)] public DateTimeOffset CreatedAt { get; set; }
    [Id(5)] public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>When the order was paid, cancelled or expired.</summary>
    [Id(6)] public DateTimeOffset? SettledAt { get; set; }

    /// <summary>
    /// The checkout attempt that placed the order: the only one whose holds can ever be sold. Orders placed
    /// before attempts existed read as <see cref="CheckoutAttempt.EarlierRelease"/>, like their holds.
    /// </summary>
    [Id(7)] public CheckoutAttempt Attempt { get; set; }

    /// <summary>Skus whose line could not be sold when the order was paid (its inventory held nothing for it).</summary>
    [Id(8)] public string[] UnsoldSkus { get; set; } = [];

    /// <summary>
    /// The version its cart was stored as by the write that placed the order; 0 for orders placed before it was
    /// recorded. A cart stored at this version or later has taken the order's lines out already.
    /// </summary>
    [Id(9)] public long PlacedAtCartVersion { get; set; }
}
