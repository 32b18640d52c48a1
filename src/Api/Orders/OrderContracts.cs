using System.ComponentModel;
using System.Text.Json.Serialization;
using Doorbuster.Orders;

namespace Doorbuster.Api.Orders;

/// <summary>An order, as the Api shows it.</summary>
[Description("An order.")]
public sealed record OrderResponse(
    [property: Description("The order's id, derived from the cart id and the checkout's Idempotency-Key.")] string OrderId,
    [property: Description("The cart the order was placed from.")] string CartId,
    [property: Description("PendingPayment until paid, cancelled or expired.")] OrderStatusName Status,
    [property: Description("The ordered lines, at the prices of the checkout.")] OrderLineResponse[] Items,
    [property: Description("The sum of the lines' totals.")] decimal Total,
    [property: Description("ISO 4217 currency of every price of the order.")] string Currency,
    [property: Description("When the checkout placed the order.")] DateTimeOffset CreatedAt,
    [property: Description("The end of the payment window: unpaid by then, the order expires and its units return.")] DateTimeOffset ExpiresAt)
{
    public static OrderResponse From(OrderSnapshot order)
    {
        var items = order.Lines
            .Select(line => new OrderLineResponse(line.Sku, line.Name, line.UnitPrice, line.Quantity, line.UnitPrice * line.Quantity))
            .ToArray();
        return new OrderResponse(
            order.OrderId, order.CartId, Enum.Parse<OrderStatusName>(order.Status.ToString()), items, items.Sum(i => i.LineTotal), order.Currency, order.CreatedAt, order.ExpiresAt);
    }
}

/// <summary>The states an order goes through, as the contract names them.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OrderStatusName>))]
public enum OrderStatusName
{
    PendingPayment,
    Paid,
    Cancelled,
    Expired,
}

/// <summary>One line of an order, priced when the order was placed.</summary>
[Description("One line of an order, at the price of the checkout.")]
public sealed record OrderLineResponse(
    [property: Description("The product of the line.")] string Sku,
    [property: Description("The product's name at checkout.")] string Name,
    [property: Description("The unit price at checkout.")] decimal UnitPrice,
    [property: Description("Units ordered.")] int Quantity,
    [property: Description("Unit price times quantity.")] decimal LineTotal);

/// <summary>A short line of a refused checkout, in the <c>shortages</c> of its problem document.</summary>
[Description("A line the checkout could not reserve.")]
public sealed record ShortageResponse(
    [property: Description("The short product.")] string Sku,
    [property: Description("Units the cart wanted.")] int Requested,
    [property: Description("Units available when the checkout tried.")] long Available);
