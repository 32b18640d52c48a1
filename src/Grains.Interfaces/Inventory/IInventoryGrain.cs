using Orleans.Concurrency;

namespace Doorbuster.Inventory;

/// <summary>
/// The stock of one sku. Every stock movement happens here, each in one call, so that
/// <c>available + reserved + sold == total restocked</c> holds after every persisted write.
/// Reservations are keyed by order id: reserve, confirm and release are idempotent.
/// </summary>
[Alias("Doorbuster.Inventory.IInventoryGrain")]
public interface IInventoryGrain : IGrainWithStringKey
{
    /// <summary>The stock as last persisted.</summary>
    [ReadOnly, Alias("Get")]
    Task<StockLevel> GetAsync();

    /// <summary>Adds <paramref name="quantity"/> units to what is available.</summary>
    [Alias("Restock")]
    Task<StockLevel> RestockAsync(int quantity);

    /// <summary>
    /// Takes <paramref name="quantity"/> units from available for <paramref name="orderId"/> until
    /// <paramref name="expiresAt"/>; after that they return to available unless confirmed.
    /// </summary>
    [Alias("Reserve")]
    Task<ReservationResult> ReserveAsync(string orderId, int quantity, DateTimeOffset expiresAt);

    /// <summary>Turns the order's reserved units into sold ones.</summary>
    [Alias("Confirm")]
    Task<SettlementOutcome> ConfirmAsync(string orderId);

    /// <summary>Returns the order's reserved units to available.</summary>
    [Alias("Release")]
    Task<SettlementOutcome> ReleaseAsync(string orderId);
}

[GenerateSerializer, Immutable, Alias("Doorbuster.Inventory.StockLevel")]
public sealed record StockLevel(string Sku, long Available, long Reserved, long Sold, long TotalRestocked);

[GenerateSerializer, Immutable, Alias("Doorbuster.Inventory.ReservationResult")]
public sealed record ReservationResult(ReservationOutcome Outcome, long Available)
{
    /// <summary>True when the order holds its units after this call (new or repeated reservation).</summary>
    public bool Holds => Outcome is ReservationOutcome.Reserved or ReservationOutcome.AlreadyReserved;
}

[GenerateSerializer, Alias("Doorbuster.Inventory.ReservationOutcome")]
public enum ReservationOutcome
{
    /// <summary>The units were taken from available.</summary>
    Reserved = 0,

    /// <summary>This order already holds this reservation; nothing changed.</summary>
    AlreadyReserved = 1,

    /// <summary>Fewer units are available than asked for; nothing changed.</summary>
    Insufficient = 2,

    /// <summary>This order's reservation was already confirmed or released; nothing changed.</summary>
    AlreadySettled = 3,

    /// <summary>The requested expiry is in the past (a late retry); nothing changed.</summary>
    Expired = 4,
}

[GenerateSerializer, Alias("Doorbuster.Inventory.SettlementOutcome")]
public enum SettlementOutcome
{
    Confirmed = 0,
    Released = 1,

    /// <summary>The units were sold earlier for this order.</summary>
    AlreadyConfirmed = 2,

    /// <summary>The units went back earlier (released, cancelled or expired).</summary>
    AlreadyReleased = 3,

    /// <summary>No reservation of this order is known.</summary>
    NotReserved = 4,
}
