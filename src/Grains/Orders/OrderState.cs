namespace Doorbuster.Orders;

/// <summary>
/// The stored order. Nothing is stored for a checkout that was refused: an order exists from the moment
/// all its lines are reserved, and a settlement is decided here (stored) before any line is touched.
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
}
