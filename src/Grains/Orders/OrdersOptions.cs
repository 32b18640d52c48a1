namespace Doorbuster.Orders;

/// <summary>How long orders are kept (configuration section <c>Orders</c>, e.g. <c>Orders__Retention</c>).</summary>
public sealed class OrdersOptions
{
    public const string SectionName = "Orders";

    /// <summary>A settled order (paid, cancelled, expired) is kept this long, then forgotten (404).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// The Redis expiry of an order's key, renewed by every write: an order settled at any moment of its
    /// payment window is kept at least <see cref="Retention"/> after it settled, and one that nobody ever
    /// settles (it expires lazily) disappears too.
    /// </summary>
    public static TimeSpan EntryExpiry(OrdersOptions orders, CheckoutOptions checkout) => orders.Retention + checkout.PaymentWindow;
}
