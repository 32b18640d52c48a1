namespace Doorbuster.Persistence;

/// <summary>
/// Names of the grain storage providers. Carts and orders have their own, each with its entry expiry;
/// the inventory keeps its stock in its own Redis layout (<see cref="Inventory.RedisInventoryStore"/>).
/// </summary>
public static class StorageNames
{
    public const string Catalog = "catalog";
    public const string Carts = "carts";
    public const string Orders = "orders";

    /// <summary>Every provider the grains use, for hosts that register them all alike.</summary>
    public static readonly IReadOnlyList<string> All = [Catalog, Carts, Orders];

    /// <summary>An idle cart expires from Redis after this long (the contract allows 7 days).</summary>
    public static readonly TimeSpan CartExpiry = TimeSpan.FromDays(7);
}
