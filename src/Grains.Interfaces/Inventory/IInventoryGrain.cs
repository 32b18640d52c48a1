using Orleans.Concurrency;

namespace Doorbuster.Inventory;

/// <summary>
/// The stock of one sku. Every stock movement happens here, each in one call, so that
/// <c>available + reserved + sold == total restocked</c> holds after every persisted write.
/// </summary>
/// <remarks>
/// A hold belongs to one checkout attempt of one order — it is keyed by (order id, attempt id) — so no
/// attempt can re-time, lower, release or confirm another's hold: of all the attempts of an order, only the
/// one its stored order names is ever sold, and every other attempt's holds go back. A hold is never
/// returned on this grain's own authority: when one passes its expiry, the grain asks the order
/// (<see cref="Orders.IOrderGrain.DecideExpiredHoldAsync"/>), so a paid order can never lose a line to a
/// clock that runs ahead.
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
    /// Holds <paramref name="quantity"/> units for one checkout attempt of <paramref name="orderId"/> until
    /// <paramref name="expiresAt"/>, all or nothing. Repeating it changes nothing; holds of other attempts of
    /// the same order are not touched.
    /// </summary>
    [Alias("ReserveForAttempt")]
    Task<ReservationResult> ReserveAsync(string orderId, CheckoutAttempt attempt, int quantity, DateTimeOffset expiresAt);

    /// <summary>
    /// Sells the order's line out of the hold of the attempt the order names: exactly <paramref name="quantity"/>
    /// units. A confirmed hold is remembered for <see cref="Holds.ConfirmationMemory"/>, so a repeated
    /// confirmation (a payment retried after a lost answer) is answered <see cref="HoldOutcome.AlreadyConfirmed"/>.
    /// </summary>
    [Alias("ConfirmAttempt")]
    Task<HoldOutcome> ConfirmAsync(string orderId, CheckoutAttempt attempt, int quantity);

    /// <summary>Returns the units of one attempt's hold to available (an order cancelled or expired, or an attempt that lost).</summary>
    [Alias("ReleaseAttemptHold")]
    Task<HoldOutcome> ReleaseAsync(string orderId, CheckoutAttempt attempt);
}

/// <summary>
/// One checkout attempt of an order: a random 64-bit id drawn when a checkout starts reserving, stored with
/// the order it places. <see cref="EarlierRelease"/> stands for the holds and orders written before holds
/// carried their attempt (each order's only attempt).
/// </summary>
[GenerateSerializer, Immutable, Alias("Doorbuster.Inventory.CheckoutAttempt")]
public readonly record struct CheckoutAttempt([property: Id(0)] ulong Value)
{
    /// <summary>The attempt of every hold and order written before attempts existed.</summary>
    public static readonly CheckoutAttempt EarlierRelease = new(0);

    /// <summary>A new attempt id: 64 random bits (never the id of <see cref="EarlierRelease"/>).</summary>
    public static CheckoutAttempt New()
    {
        ulong value;
        do
        {
            value = (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue);
        }
        while (value == 0);

        return new CheckoutAttempt(value);
    }

    public override string ToString() => Value.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Rules about holds that the inventory and the orders share.</summary>
public static class Holds
{
    /// <summary>
    /// How long an inventory remembers that a hold was confirmed, counted from the confirmation: a repeated
    /// confirmation within it (a payment retried after its answer was lost) is answered
    /// <see cref="HoldOutcome.AlreadyConfirmed"/>. Short, because a hot sku remembers every sale of the period.
    /// </summary>
    public static readonly TimeSpan ConfirmationMemory = TimeSpan.FromMinutes(5);
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
    /// <summary>True when the attempt holds its units after this call (new or repeated reservation).</summary>
    public bool Holds => Outcome is ReservationOutcome.Reserved or ReservationOutcome.AlreadyReserved;
}

[GenerateSerializer, Alias("Doorbuster.Inventory.ReservationOutcome")]
public enum ReservationOutcome
{
    /// <summary>The units were taken from available (or the attempt's hold was adjusted to the new quantity).</summary>
    Reserved = 0,

    /// <summary>This attempt already holds this quantity (or its hold was already sold); nothing changed.</summary>
    AlreadyReserved = 1,

    /// <summary>Fewer units are available than asked for; nothing changed.</summary>
    Insufficient = 2,

    /// <summary>The requested expiry is in the past (a late retry); nothing changed.</summary>
    Expired = 4,
}

/// <summary>What a confirmation or release did to one attempt's hold.</summary>
[GenerateSerializer, Alias("Doorbuster.Inventory.HoldOutcome")]
public enum HoldOutcome
{
    /// <summary>The line's units were sold.</summary>
    Confirmed = 0,

    /// <summary>The hold's units went back to available.</summary>
    Released = 1,

    /// <summary>The attempt holds nothing here: it never did, or its hold was released.</summary>
    NotHeld = 4,

    /// <summary>The hold was smaller than the line and available could not make up the rest: fewer units were sold.</summary>
    ConfirmedShort = 6,

    /// <summary>The hold was confirmed before (within <see cref="Holds.ConfirmationMemory"/>); nothing changed.</summary>
    AlreadyConfirmed = 7,
}
