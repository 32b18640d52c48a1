using Doorbuster.Api.Carts;
using Doorbuster.Orders;

namespace Doorbuster.Api.Orders;

/// <summary>An order, as the Api shows it.</summary>
public sealed record OrderResponse(
    string OrderId,
    string CartId,
    string Status,
    CartItemResponse[] Items,
    decimal Total,
    string Currency,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt)
{
    public static OrderResponse From(OrderSnapshot order)
    {
        var items = order.Lines
            .Select(line => new CartItemResponse(line.Sku, line.Name, line.UnitPrice, line.Quantity, line.UnitPrice * line.Quantity))
            .ToArray();
        return new OrderResponse(
            order.OrderId, order.CartId, order.Status.ToString(), items, items.Sum(i => i.LineTotal), order.Currency, order.CreatedAt, order.ExpiresAt);
    }
}

/// <summary>A short line of a refused checkout, in the <c>shortages</c> of its problem document.</summary>
public sealed record ShortageResponse(string Sku, int Requested, long Available);
