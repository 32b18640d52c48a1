using System.Globalization;

namespace Doorbuster.Inventory;

/// <summary>
/// Whose a hold is: one checkout attempt of one order. In Redis it is the field of the hold, <c>orderId:attempt</c>
/// (the attempt in 16 hex digits); a field without an attempt is a hold written before attempts existed, and
/// belongs to <see cref="CheckoutAttempt.EarlierRelease"/>.
/// </summary>
public readonly record struct HoldKey(string OrderId, CheckoutAttempt Attempt)
{
    public string Field => Attempt == CheckoutAttempt.EarlierRelease ? OrderId : $"{OrderId}:{Attempt}";

    public static HoldKey FromField(string field)
    {
        var separator = field.IndexOf(':', StringComparison.Ordinal);
        return separator < 0
            ? new HoldKey(field, CheckoutAttempt.EarlierRelease)
            : new HoldKey(field[..separator], new CheckoutAttempt(ulong.Parse(field.AsSpan(separator + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)));
    }

    public override string ToString() => Field;
}

/// <summary>
/// Units held for one attempt until <see cref="ExpiresAt"/>; or, once <see cref="Confirmed"/>, the memory that
/// the hold was sold (<see cref="Quantity"/> units), kept until <see cref="ExpiresAt"/> so that a repeated
/// confirmation is answered truthfully.
/// </summary>
public readonly record struct Reservation(int Quantity, DateTimeOffset ExpiresAt, bool Confirmed = false)
{
    /// <summary>An expiry as a hold keeps it: to the millisecond, as Redis stores it, so a hold in memory and the same hold read back compare equal.</summary>
    public static DateTimeOffset Precision(DateTimeOffset expiresAt) => DateTimeOffset.FromUnixTimeMilliseconds(expiresAt.ToUnixTimeMilliseconds());

    /// <summary>As stored in Redis: <c>quantity:expiry in Unix milliseconds</c>, and <c>:c</c> once confirmed.</summary>
    public string Encode() => string.Create(
        CultureInfo.InvariantCulture, $"{Quantity}:{ExpiresAt.ToUnixTimeMilliseconds()}{(Confirmed ? ":c" : "")}");

    public static Reservation Decode(string value)
    {
        var parts = value.Split(':');
        return new Reservation(
            int.Parse(parts[0], CultureInfo.InvariantCulture),
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(parts[1], CultureInfo.InvariantCulture)),
            Confirmed: parts.Length > 2 && parts[2] == "c");
    }
}

/// <summary>A restock done under an idempotency key: its quantity, the stock it answered with, and when.</summary>
public sealed record RestockRecord(int Quantity, long Available, long Reserved, long Sold, long TotalRestocked, DateTimeOffset RecordedAt = default)
{
    public StockLevel Stock(string sku) => new(sku, Available, Reserved, Sold, TotalRestocked);

    /// <summary>As stored: <c>quantity:available:reserved:sold:total:recorded at in Unix milliseconds</c>.</summary>
    public string Encode() => string.Create(
        CultureInfo.InvariantCulture, $"{Quantity}:{Available}:{Reserved}:{Sold}:{TotalRestocked}:{RecordedAt.ToUnixTimeMilliseconds()}");

    /// <summary>Reads a record of either form (the earlier release stored it without its time, under a key of its own with an expiry).</summary>
    public static RestockRecord Decode(string value)
    {
        var parts = value.Split(':');
        return new RestockRecord(
            int.Parse(parts[0], CultureInfo.InvariantCulture),
            long.Parse(parts[1], CultureInfo.InvariantCulture),
            long.Parse(parts[2], CultureInfo.InvariantCulture),
            long.Parse(parts[3], CultureInfo.InvariantCulture),
            long.Parse(parts[4], CultureInfo.InvariantCulture),
            parts.Length > 5 ? DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(parts[5], CultureInfo.InvariantCulture)) : default);
    }
}

/// <summary>
/// The stock of one sku as Redis holds it, read in one atomic step: counters, holds, the restocks done under an
/// idempotency key, and the fields of deleted entries that a write may now remove for good.
/// </summary>
public sealed record StoredStock(
    long Version,
    long Available,
    long Reserved,
    long Sold,
    long TotalRestocked,
    IReadOnlyDictionary<HoldKey, Reservation> Reservations,
    IReadOnlyDictionary<string, RestockRecord>? Restocks = null,
    IReadOnlyCollection<string>? Purge = null);

/// <summary>
/// One write of the inventory: the counters as they are now, only the holds and restock records that changed since
/// the last write (a null hold is a deleted one, written as a tombstone), and the fields of entries deleted
/// before, to remove for good.
/// </summary>
public sealed record StockWrite(
    long ExpectedVersion,
    long Available,
    long Reserved,
    long Sold,
    long TotalRestocked,
    IReadOnlyCollection<KeyValuePair<HoldKey, Reservation?>> Holds,
    IReadOnlyCollection<KeyValuePair<string, RestockRecord>> Restocks,
    IReadOnlyCollection<string>? Purge = null);
