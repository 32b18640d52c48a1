using System.Globalization;

namespace Doorbuster.Inventory;

/// <summary>Units held for one order until <see cref="ExpiresAt"/>.</summary>
public readonly record struct Reservation(int Quantity, DateTimeOffset ExpiresAt)
{
    /// <summary>
    /// An expiry as a hold keeps it: to the millisecond, as Redis stores it, so that a hold in memory and
    /// the same hold read back compare equal (the expiry also tells one checkout attempt from another).
    /// </summary>
    public static DateTimeOffset Precision(DateTimeOffset expiresAt) => DateTimeOffset.FromUnixTimeMilliseconds(expiresAt.ToUnixTimeMilliseconds());

    /// <summary>As stored in Redis: <c>quantity:expiry in Unix milliseconds</c>.</summary>
    public string Encode() => string.Create(CultureInfo.InvariantCulture, $"{Quantity}:{ExpiresAt.ToUnixTimeMilliseconds()}");

    public static Reservation Decode(string value)
    {
        var separator = value.IndexOf(':', StringComparison.Ordinal);
        return new Reservation(
            int.Parse(value.AsSpan(0, separator), CultureInfo.InvariantCulture),
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(value.AsSpan(separator + 1), CultureInfo.InvariantCulture)));
    }
}

/// <summary>A restock done under an idempotency key: its quantity and the stock it answered with.</summary>
public sealed record RestockRecord(int Quantity, long Available, long Reserved, long Sold, long TotalRestocked)
{
    public StockLevel Stock(string sku) => new(sku, Available, Reserved, Sold, TotalRestocked);

    public string Encode() => string.Create(CultureInfo.InvariantCulture, $"{Quantity}:{Available}:{Reserved}:{Sold}:{TotalRestocked}");

    public static RestockRecord Decode(string value)
    {
        var parts = value.Split(':');
        return new RestockRecord(
            int.Parse(parts[0], CultureInfo.InvariantCulture),
            long.Parse(parts[1], CultureInfo.InvariantCulture),
            long.Parse(parts[2], CultureInfo.InvariantCulture),
            long.Parse(parts[3], CultureInfo.InvariantCulture),
            long.Parse(parts[4], CultureInfo.InvariantCulture));
    }
}

/// <summary>The stock of one sku as Redis holds it, read in one atomic step.</summary>
public sealed record StoredStock(
    long Version, long Available, long Reserved, long Sold, long TotalRestocked, IReadOnlyDictionary<string, Reservation> Reservations);

/// <summary>
/// One write of the inventory: the counters as they are now, and only the reservations and restock
/// records that changed since the last write (a null hold is a deleted reservation).
/// </summary>
public sealed record StockWrite(
    long ExpectedVersion,
    long Available,
    long Reserved,
    long Sold,
    long TotalRestocked,
    IReadOnlyCollection<KeyValuePair<string, Reservation?>> Holds,
    IReadOnlyCollection<KeyValuePair<string, RestockRecord>> Restocks);
