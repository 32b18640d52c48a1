namespace Doorbuster.Orders;

/// <summary>The order as callers see it, from its stored state.</summary>
public static class OrderSnapshots
{
    public static OrderSnapshot? Of(string orderId, OrderState order) =>
        order.Status == OrderStatus.None
            ? null
            : new OrderSnapshot(orderId, order.CartId, order.Status, order.Lines, order.Currency, order.CreatedAt, order.ExpiresAt);
}
