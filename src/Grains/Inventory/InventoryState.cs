namespace Doorbuster.Inventory;

/// <summary>
/// The stored stock of one sku. <see cref="Reserved"/> is derived from <see cref="Reservations"/>.
/// <see cref="Settled"/> remembers recently confirmed or released orders so that retries stay idempotent;
/// it is pruned by age and count, so the state does not grow with the number of orders ever placed.
/// </summary>
[GenerateSerializer, Alias("Doorbuster.Inventory.InventoryState")]
public sealed class InventoryState
{
    [Id(0)] public long Available { get; set; }
    [Id(1)] public long Sold { get; set; }
    [Id(2)] public long TotalRestocked { get; set; }
    [Id(3)] public Dictionary<string, Reservation> Reservations { get; set; } = new(StringComparer.Ordinal);
    [Id(4)] public Dictionary<string, Settlement> Settled { get; set; } = new(StringComparer.Ordinal);

    public long Reserved => Reservations.Values.Sum(r => (long)r.Quantity);

    /// <summary>A copy that later changes to this state do not reach (the records inside are immutable).</summary>
    public InventoryState Clone() => new()
    {
        Available = Available,
        Sold = Sold,
        TotalRestocked = TotalRestocked,
        Reservations = new(Reservations, StringComparer.Ordinal),
        Settled = new(Settled, StringComparer.Ordinal),
    };
}

/// <summary>Units held for one order until <see cref="ExpiresAt"/>.</summary>
[GenerateSerializer, Immutable, Alias("Doorbuster.Inventory.Reservation")]
public sealed record Reservation(int Quantity, DateTimeOffset ExpiresAt);

/// <summary>How an order's reservation ended, and when.</summary>
[GenerateSerializer, Immutable, Alias("Doorbuster.Inventory.Settlement")]
public sealed record Settlement(bool Confirmed, DateTimeOffset SettledAt);
