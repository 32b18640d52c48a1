namespace Doorbuster.Inventory;

/// <summary>Tuning of the inventory grains (configuration section <c>Inventory</c>).</summary>
public sealed class InventoryOptions
{
    public const string SectionName = "Inventory";

    /// <summary>
    /// A reservation is returned this long after its expiry, so that a payment accepted by the order
    /// just before its deadline is not raced by the sweep on another silo's clock.
    /// </summary>
    public TimeSpan ExpiryGrace { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often an active grain with reservations looks for expired ones.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a settled order id is remembered for idempotent retries.</summary>
    public TimeSpan SettledRetention { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>At most this many settled order ids are remembered per sku (the oldest go first).</summary>
    public int MaxSettled { get; set; } = 2_000;
}
