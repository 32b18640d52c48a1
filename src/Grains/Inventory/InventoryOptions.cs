namespace Doorbuster.Inventory;

/// <summary>Tuning of the inventory grains (configuration section <c>Inventory</c>).</summary>
public sealed class InventoryOptions
{
    public const string SectionName = "Inventory";

    /// <summary>
    /// A reservation past its expiry is brought to its order this long after the expiry, so that the order,
    /// which expires itself on its own clock, has usually decided by then.
    /// </summary>
    public TimeSpan ExpiryGrace { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often an active grain with reservations looks for expired ones.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The period of the reminder that brings an inventory with outstanding reservations back after its
    /// activation was lost (Orleans' minimum reminder period applies).
    /// </summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>At most this many expired reservations are brought to their orders per sweep.</summary>
    public int MaxDecisionsPerSweep { get; set; } = 256;

    /// <summary>How long a restock's idempotency key is remembered (the contract asks for at least 24 hours).</summary>
    public TimeSpan RestockKeyRetention { get; set; } = TimeSpan.FromHours(25);
}
