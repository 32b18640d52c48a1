using Doorbuster.Inventory;

namespace Doorbuster.Orders;

/// <summary>
/// One order, keyed by an id derived from (cart id, idempotency key). The cart places it (checkout stores the
/// order and the emptied cart in one write); this grain wakes only when someone reads, pays or cancels the
/// order, or an inventory asks what to do with one of its expired holds. The order decides the fate of its
/// lines, and only the holds of the checkout attempt it names can ever be sold.
/// </summary>
[Alias("Doorbuster.Orders.IOrderGrain")]
public interface IOrderGrain : IGrainWithStringKey
{
    /// <summary>The order, or <c>null</c> when no checkout placed one under this id.</summary>
    [Alias("Get")]
    Task<OrderSnapshot?> GetAsync();

    /// <summary>
    /// Turns the order's holds into sales, every line or none; idempotent. Answers
    /// <see cref="OrderActionOutcome.Done"/> only when every line is sold in its inventory.
    /// </summary>
    [Alias("Pay")]
    Task<OrderActionResult> PayAsync();

    /// <summary>Returns the held units. Idempotent.</summary>
    [Alias("Cancel")]
    Task<OrderActionResult> CancelAsync();

    /// <summary>
    /// Asked by an inventory grain whose hold for this order, made by checkout attempt <paramref name="attempt"/>,
    /// passed its expiry: confirm it (the order is paid and names that attempt), hold it longer (the order
    /// names it and its own deadline has not passed) or release it (anything else: the order expired, was
    /// cancelled, never came to be, was placed by another attempt, or has no line for <paramref name="sku"/>).
    /// </summary>
    [Alias("DecideExpiredHold")]
    Task<ReservationDecision> DecideExpiredHoldAsync(string sku, CheckoutAttempt attempt);
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

    /// <summary>The cart holds skus of a running flash sale and no usable ticket of it was given; nothing was held.</summary>
    TicketRequired = 4,

    /// <summary>The products of the cart's lines are priced in more than one currency now; nothing was held.</summary>
    CurrencyMismatch = 5,
}

/// <summary>
/// A checkout's answer; <see cref="Refusal"/> says why a <see cref="CheckoutOutcome.TicketRequired"/> or a
/// <see cref="CheckoutOutcome.CurrencyMismatch"/> was refused.
/// </summary>
[GenerateSerializer, Immutable, Alias("Doorbuster.Orders.CheckoutResult")]
public sealed record CheckoutResult(CheckoutOutcome Outcome, OrderSnapshot? Order, Shortage[] Shortages, string? Refusal = null);

[GenerateSerializer, Alias("Doorbuster.Orders.OrderActionOutcome")]
public enum OrderActionOutcome
{
    /// <summary>The order is now (or already was) in the requested state.</summary>
    Done = 0,
    NotFound = 1,

    /// <summary>The order is in a state that forbids the action (paid, cancelled or expired).</summary>
    Conflict = 2,

    /// <summary>
    /// The payment was decided but a line could not be sold: its inventory holds nothing for the order (the
    /// store lost acknowledged writes). <see cref="OrderActionResult.UnsoldSkus"/> names them.
    /// </summary>
    LinesUnsold = 3,
}

[GenerateSerializer, Immutable, Alias("Doorbuster.Orders.OrderActionResult")]
public sealed record OrderActionResult(OrderActionOutcome Outcome, OrderSnapshot? Order, string[]? UnsoldSkus = null);

[GenerateSerializer, Alias("Doorbuster.Orders.ReservationVerdict")]
public enum ReservationVerdict
{
    Release = 0,
    Confirm = 1,

    /// <summary>Keep the reservation until <see cref="ReservationDecision.HoldUntil"/> and ask again then.</summary>
    Hold = 2,
}

/// <summary>An order's word on an expired hold; for <see cref="ReservationVerdict.Confirm"/>, the quantity its line sells.</summary>
[GenerateSerializer, Immutable, Alias("Doorbuster.Orders.ReservationDecision")]
public sealed record ReservationDecision(ReservationVerdict Verdict, DateTimeOffset HoldUntil, int Quantity = 0);
