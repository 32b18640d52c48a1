using StackExchange.Redis;

namespace Doorbuster.Baseline.Redis;

/// <summary>
/// Every Redis key of the baseline, under one prefix (<c>Baseline:KeyPrefix</c>, default <c>bl:</c>).
/// Identifiers never contain ':', so no two keys of different kinds can collide.
/// </summary>
public sealed class RedisKeys(string prefix)
{
    /// <summary>Prefix of the product hashes (fields sku, name, description, category, price, currency, version).</summary>
    public string ProductPrefix { get; } = prefix + "product:";

    /// <summary>Prefix of the sorted sets of the skus of one category (all scores 0, so ordered by sku).</summary>
    public string CategoryPrefix { get; } = prefix + "catalog:category:";

    /// <summary>Prefix of the stock hashes (fields available, reserved, sold).</summary>
    public string StockPrefix { get; } = prefix + "stock:";

    /// <summary>The sorted set of every sku (all scores 0, so ordered by sku).</summary>
    public RedisKey AllProducts { get; } = prefix + "catalog:all";

    /// <summary>The sorted set of pending order ids scored by their expiresAt (unix ms).</summary>
    public RedisKey OrderExpiries { get; } = prefix + "orders:expiring";

    private readonly string _restockPrefix = prefix + "restock:";
    private readonly string _cartPrefix = prefix + "cart:";
    private readonly string _orderPrefix = prefix + "order:";

    public RedisKey Product(string sku) => ProductPrefix + sku;

    public RedisKey Category(string category) => CategoryPrefix + category;

    public RedisKey Stock(string sku) => StockPrefix + sku;

    /// <summary>The answer of a restock with an idempotency key, kept for 24 hours.</summary>
    public RedisKey Restock(string sku, string idempotencyKey) => _restockPrefix + sku + ":" + idempotencyKey;

    /// <summary>A cart hash: sku -> quantity, and ':updated' (unix ms).</summary>
    public RedisKey Cart(string cartId) => _cartPrefix + cartId;

    /// <summary>An order hash: cartId, status, currency, createdAt, expiresAt, settledAt, lines (JSON).</summary>
    public RedisKey Order(string orderId) => _orderPrefix + orderId;
}
