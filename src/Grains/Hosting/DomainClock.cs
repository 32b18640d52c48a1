namespace Doorbuster.Hosting;

/// <summary>
/// The clock of the business rules (payment windows, reservation expiry, cart timestamps): a keyed
/// <see cref="TimeProvider"/>, so that tests can move it with a fake without moving the clock Orleans
/// itself runs on (membership, timers, reminders).
/// </summary>
public static class DomainClock
{
    public const string Key = "Doorbuster.DomainClock";
}
