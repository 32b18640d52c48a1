using System.Text.Json.Serialization;

namespace Doorbuster.Client.Orders;

/// <summary>An order.</summary>
public sealed record Order(
    string OrderId, string CartId, OrderStatus Status, IReadOnlyList<OrderLine> Items, decimal Total, string Currency, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

/// <summary>One line of an order, at the price of the checkout.</summary>
public sealed record OrderLine(string Sku, string Name, decimal UnitPrice, int Quantity, decimal LineTotal);

/// <summary>The states of an order.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OrderStatus>))]
public enum OrderStatus
{
    PendingPayment,
    Paid,
    Cancelled,
    Expired,
}

/// <summary>A line a checkout could not reserve.</summary>
public sealed record Shortage(string Sku, int Requested, long Available);
