namespace Doorbuster.Baseline.Inventory;

/// <summary>The stock of a sku: <c>available + reserved + sold</c> is everything ever restocked.</summary>
public sealed record StockResponse(string Sku, long Available, long Reserved, long Sold);

/// <summary>The body of a restock.</summary>
public sealed record RestockRequest(int? Quantity);
