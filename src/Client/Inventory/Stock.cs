namespace Doorbuster.Client.Inventory;

/// <summary>The stock of a sku: available + reserved + sold is everything ever restocked.</summary>
public sealed record Stock(string Sku, long Available, long Reserved, long Sold);
