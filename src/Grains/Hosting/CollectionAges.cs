namespace Doorbuster.Hosting;

/// <summary>
/// How long an idle activation of a grain made per shopper (a cart, an order) stays in memory. One constant for the
/// grains' <c>[CollectionAgeLimit]</c> and for the bound of the collection quantum, which may not exceed it.
/// </summary>
public static class CollectionAges
{
    /// <summary>Idle minutes after which a cart or an order is collected (Orleans' default is a quarter of an hour).</summary>
    public const int PerShopperMinutes = 2;
}
