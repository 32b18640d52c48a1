namespace Doorbuster.Orders;

/// <summary>The stored saga state of one order.</summary>
[GenerateSerializer, Alias("Doorbuster.Orders.OrderState")]
public sealed class OrderState
{
    [Id(0)] public OrderStatus Status { get; set; }
    [Id(1)] public string CartId { get; set; } = "";
    [Id(2)] public OrderLine[] Lines { get; set; } = [];
    [Id(3)] public string Currency { get; set; } = "USD";
    [Id(4)] public DateTimeOffset CreatedAt { get; set; }
    [Id(5)] public DateTimeOffset ExpiresAt { get; set; }
    [Id(6)] public Shortage[] Shortages { get; set; } = [];

    /// <summary>True once the ordered lines were taken out of the cart.</summary>
    [Id(7)] public bool CartSettled { get; set; }
}
