using Doorbuster.Inventory;

namespace Doorbuster.Orders;

/// <summary>An order's word on one of its holds that passed its expiry: the rule of the fence, in one place.</summary>
public static class ExpiredHolds
{
    /// <summary>
    /// Confirm only what a paid order bought with the attempt it names; hold the named attempt's units while the
    /// order can still be paid; release everything else — holds of attempts that lost, of orders that never came
    /// to be, were cancelled or expired, and of skus the order has no line for.
    /// </summary>
    /// <remarks>An order pending past its deadline must be expired (and stored) before it is asked.</remarks>
    public static ReservationDecision Decide(OrderState order, string sku, CheckoutAttempt attempt)
    {
        if (order.Status == OrderStatus.None || attempt != order.Attempt)
        {
            return Release;
        }

        var quantity = order.Lines.Where(line => line.Sku == sku).Sum(line => line.Quantity);
        return order.Status switch
        {
            OrderStatus.PendingPayment when quantity > 0 => new ReservationDecision(ReservationVerdict.Hold, order.ExpiresAt),
            OrderStatus.Paid when quantity > 0 => new ReservationDecision(ReservationVerdict.Confirm, default, quantity),
            _ => Release,
        };
    }

    private static ReservationDecision Release => new(ReservationVerdict.Release, default);
}
