namespace Doorbuster.Orders;

/// <summary>
/// One order and its checkout saga, keyed by an id derived from (cart id, idempotency key): a repeated
/// checkout reaches the same grain and gets the same order. The order decides the fate of its lines:
/// the inventory asks it before returning an expired reservation.
/// </summary>
[Alias("Doorbuster.Orders.IOrderGrain")]
public interface IOrderGrain : IGrainWithStringKey
{
    /// <summary>Reserves every line of the cart, all or nothing; repeated calls return the first order.</summary>
    [Alias("Checkout")]
    Task<CheckoutResult> CheckoutAsync(string cartId);

    /// <summary>The order, or <c>null</c> when no checkout created one under this id.</summary>
    [Alias("Get")]
    Task<OrderSnapshot?> GetAsync();

    /// <summary>Turns the reservations into sales, every line or none. Idempotent.</summary>
    [Alias("Pay")]
    Task<OrderActionResult> PayAsync();

    /// <summary>Returns the reserved units. Idempotent.</summary>
    [Alias("Cancel")]
    Task<OrderActionResult> CancelAsync();

    /// <summary>
    /// Asked by an inventory grain whose reservation for this order passed its expiry: release it (the order
    /// expired, was cancelled, or never came to be), confirm it (the order is paid) or hold it longer (the
    /// order's own deadline has not passed). <paramref name="sku"/> is the line whose inventory asks.
    /// </summary>
    [Alias("DecideExpiredReservation")]
    Task<ReservationDecision> DecideExpiredReservationAsync(string sku);
}

[GenerateSerializer, Alias("Doorbuster.Orders.OrderStatus")]
public enum OrderStatus
{
    /// <summary>No checkout has created this order.</summary>
    None = 0,
    PendingPayment = 2,
    Paid = 3,
    Cancelled = 4,
    Expired = 5,
}

[GenerateSerializer, Immutable, Alias("Doorbuster.Orders.OrderLine")]
public sealed record OrderLine(string Sku, string Name, decimal UnitPrice, int Quantity);

[GenerateSerializer, Immutable, Alias("Doorbuster.Orders.OrderSnapshot")]
public sealed record OrderSnapshot(
    string OrderId, string CartId, OrderStatus Status, OrderLine[] Lines, string Currency, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

/// <summary>A sku the cart wanted more of than was available.</summary>
[GenerateSerializer, Immutable, Alias("Doorbuster.Orders.Shortage")]
public sealed record Shortage(string Sku, int Requested, long Available);

[GenerateSerializer, Alias("Doorbuster.Orders.CheckoutOutcome")]
public enum CheckoutOutcome
{
    Created = 0,

    /// <summary>This checkout happened before; the order is the one it created.</summary>
    Duplicate = 1,
    InsufficientStock = 2,
    EmptyCart = 3,
}

[GenerateSerializer, Immutable, Alias("Doorbuster.Orders.CheckoutResult")]
public sealed record CheckoutResult(CheckoutOutcome Outcome, OrderSnapshot? Order, Shortage[] Shortages);

[GenerateSerializer, Alias("Doorbuster.Orders.OrderActionOutcome")]
public enum OrderActionOutcome
{
    /// <summary>The order is now (or already was) in the requested state.</summary>
    Done = 0,
    NotFound = 1,

    /// <summary>The order is in a state that forbids the action (paid, cancelled or expired).</summary>
    Conflict = 2,
}

[GenerateSerializer, Immutable, Alias("Doorbuster.Orders.OrderActionResult")]
public sealed record OrderActionResult(OrderActionOutcome Outcome, OrderSnapshot? Order);

[GenerateSerializer, Alias("Doorbuster.Orders.ReservationVerdict")]
public enum ReservationVerdict
{
    Release = 0,
    Confirm = 1,

    /// <summary>Keep the reservation until <see cref="ReservationDecision.HoldUntil"/> and ask again then.</summary>
    Hold = 2,
}

/// <summary>An order's word on an expired reservation; for <see cref="ReservationVerdict.Confirm"/>, the quantity its line sells.</summary>
[GenerateSerializer, Immutable, Alias("Doorbuster.Orders.ReservationDecision")]
public sealed record ReservationDecision(ReservationVerdict Verdict, DateTimeOffset HoldUntil, int Quantity = 0);
