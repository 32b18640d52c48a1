using Orleans.Concurrency;

namespace Doorbuster.Inventory;

/// <summary>
/// The stock of one sku. Every stock movement happens here, each in one call, so that
/// <c>available + reserved + sold == total restocked</c> holds after every persisted write.
/// Reservations are keyed by order id, and every movement is idempotent under its key.
/// </summary>
/// <remarks>
/// A reservation is never returned on this grain's own authority: when one passes its expiry, the grain
/// asks the order (<see cref="Orders.IOrderGrain.DecideExpiredReservationAsync"/>), so that a paid order
/// can never lose a line to a clock that runs ahead.
/// </remarks>
[Alias("Doorbuster.Inventory.IInventoryGrain")]
public interface IInventoryGrain : IGrainWithStringKey
{
    /// <summary>The stock as last persisted.</summary>
    [ReadOnly, Alias("Get")]
    Task<StockLevel> GetAsync();

    /// <summary>
    /// Adds <paramref name="quantity"/> units to what is available. With an <paramref name="idempotencyKey"/>,
    /// a repeat within a day is counted once and answered like the first.
    /// </summary>
    [Alias("Restock")]
    Task<RestockResult> RestockAsync(int quantity, string? idempotencyKey);

    /// <summary>
    /// Holds exactly <paramref name="quantity"/> units for <paramref name="orderId"/> until
    /// <paramref name="expiresAt"/>. Repeating it changes nothing; repeating it with another quantity
    /// adjusts the hold (all or nothing).
    /// </summary>
    [Alias("Reserve")]
    Task<ReservationResult> ReserveAsync(string orderId, int quantity, DateTimeOffset expiresAt);

    /// <summary>
    /// Sells the order's line: exactly <paramref name="quantity"/> units, taken from what the order holds. Units
    /// held beyond the line go back to available (and a line held short is completed from available, never
    /// beyond it), so that what is sold is what was paid for even when two activations of one order reserved
    /// for different carts and the one that lost the order write left its quantity on the hold.
    /// </summary>
    [Alias("ConfirmLine")]
    Task<SettlementOutcome> ConfirmAsync(string orderId, int quantity);

    /// <summary>Returns the order's reserved units to available.</summary>
    [Alias("Release")]
    Task<SettlementOutcome> ReleaseAsync(string orderId);

    /// <summary>
    /// Undoes one checkout attempt: returns the order's units only while its hold is still the one that attempt
    /// made (reserved until <paramref name="expiresAt"/>). A later attempt of the same order that reserved again
    /// has taken the hold over (it carries the later attempt's expiry) and keeps it, so an attempt that failed
    /// late can never take the units of one that succeeded.
    /// </summary>
    [Alias("ReleaseAttempt")]
    Task<SettlementOutcome> ReleaseAttemptAsync(string orderId, DateTimeOffset expiresAt);
}

[GenerateSerializer, Immutable, Alias("Doorbuster.Inventory.StockLevel")]
public sealed record StockLevel(string Sku, long Available, long Reserved, long Sold, long TotalRestocked);

[GenerateSerializer, Immutable, Alias("Doorbuster.Inventory.RestockResult")]
public sealed record RestockResult(RestockOutcome Outcome, StockLevel Stock);

[GenerateSerializer, Alias("Doorbuster.Inventory.RestockOutcome")]
public enum RestockOutcome
{
    Restocked = 0,

    /// <summary>A restock with this key happened before; <see cref="RestockResult.Stock"/> is its answer.</summary>
    Repeated = 1,

    /// <summary>The key was used before for another quantity; nothing changed.</summary>
    KeyReused = 2,
}

[GenerateSerializer, Immutable, Alias("Doorbuster.Inventory.ReservationResult")]
public sealed record ReservationResult(ReservationOutcome Outcome, long Available)
{
    /// <summary>True when the order holds its units after this call (new or repeated reservation).</summary>
    public bool Holds => Outcome is ReservationOutcome.Reserved or ReservationOutcome.AlreadyReserved;
}

[GenerateSerializer, Alias("Doorbuster.Inventory.ReservationOutcome")]
public enum ReservationOutcome
{
    /// <summary>The units were taken from available (or the hold was adjusted to the new quantity).</summary>
    Reserved = 0,

    /// <summary>This order already holds this quantity; nothing changed but the expiry.</summary>
    AlreadyReserved = 1,

    /// <summary>Fewer units are available than asked for; nothing changed.</summary>
    Insufficient = 2,

    /// <summary>The requested expiry is in the past (a late retry); nothing changed.</summary>
    Expired = 4,
}

[GenerateSerializer, Alias("Doorbuster.Inventory.SettlementOutcome")]
public enum SettlementOutcome
{
    Confirmed = 0,
    Released = 1,

    /// <summary>
    /// The order holds no reservation here (it never had one, or it was settled before: an order settles
    /// each line once, so for a repeat this means "already done").
    /// </summary>
    NotReserved = 4,

    /// <summary>The hold was taken over by a later checkout attempt of the same order; nothing changed.</summary>
    HeldByAnotherAttempt = 5,

    /// <summary>The hold was smaller than the line and available could not make up the rest: fewer units were sold.</summary>
    ConfirmedShort = 6,
}
