using Doorbuster.Baseline.Carts;

namespace Doorbuster.Baseline.Orders;

/// <summary>An order, as the contract shows it. <c>status</c>: PendingPayment, Paid, Cancelled or Expired.</summary>
public sealed record OrderResponse(
    string OrderId,
    string CartId,
    string Status,
    CartItemResponse[] Items,
    decimal Total,
    string Currency,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt);

/// <summary>A line of the cart that the stock cannot cover.</summary>
public sealed record Shortage(string Sku, long Requested, long Available);
