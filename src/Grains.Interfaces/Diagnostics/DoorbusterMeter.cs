namespace Doorbuster.Diagnostics;

/// <summary>
/// The <c>Doorbuster</c> meter that the Api and the silos both report to, and the label values they share.
/// Labels are low-cardinality by rule: never a sku, cart id or order id.
/// </summary>
public static class DoorbusterMeter
{
    public const string Name = "Doorbuster";

    /// <summary>Cache levels, as the <c>level</c> label of <c>doorbuster.cache.lookups</c>.</summary>
    public const string ApiCacheLevel = "api";

    /// <inheritdoc cref="ApiCacheLevel"/>
    public const string GrainCacheLevel = "grain";
}
