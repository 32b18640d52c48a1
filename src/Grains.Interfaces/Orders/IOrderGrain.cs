namespace Doorbuster.Orders;

/// <summary>
/// One order and its checkout saga, keyed by an id derived from (cart id, idempotency key): a repeated
/// checkout reaches the same grain and gets the same order. Unfinished sagas are resumed after a crash.
/// </summary>
[Alias("Doorbuster.Orders.IOrderGrain")]
public interface IOrderGrain : IGrainWithStringKey
{
    /// <summary>Reserves every line of the cart, all or nothing; repeated calls return the first outcome.</summary>
    [Alias("Checkout")]
    Task<CheckoutResult> CheckoutAsync(string cartId);

    /// <summary>The order, or <c>null</c> when no checkout created one under this id.</summary>
    [Alias("Get")]
    Task<OrderSnapshot?> GetAsync();

    /// <summary>Turns the reservations into sales. Idempotent.</summary>
    [Alias("Pay")]
    Task<OrderActionResult> PayAsync();

    /// <summary>Returns the reserved units. Idempotent.</summary>
    [Alias("Cancel")]
    Task<OrderActionResult> CancelAsync();
}

[GenerateSerializer, Alias("Doorbuster.Orders.OrderStatus")]
public enum OrderStatus
{
    /// <summary>No checkout has reached this order id.</summary>
    None = 0,

    /// <summary>The intent is stored and the lines are being reserved.</summary>
    Reserving = 1,
    PendingPayment = 2,
    Paid = 3,
    Cancelled = 4,
    Expired = 5,

    /// <summary>Some line was short; nothing is reserved and no order exists for clients.</summary>
    Rejected = 6,
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
