using System.Globalization;
using Doorbuster.Baseline.Redis;
using StackExchange.Redis;

namespace Doorbuster.Baseline.Inventory;

/// <summary>
/// Stock in Redis: one hash per sku with <c>available</c>, <c>reserved</c> and <c>sold</c>. Restocks go
/// through a script; checkout, payment, cancellation and expiry move units in the order scripts.
/// </summary>
public sealed class StockStore(RedisStore redis)
{
    /// <summary>How long a restock's idempotency key is remembered.</summary>
    public static readonly TimeSpan IdempotencyWindow = TimeSpan.FromHours(24);

    private static readonly RedisValue[] StockFields = ["available", "reserved", "sold"];

    private readonly IDatabase _db = redis.Database;
    private readonly RedisKeys _keys = redis.Keys;

    /// <summary>The stock, or <c>null</c> for an unknown sku: EXISTS and HMGET, pipelined.</summary>
    public async Task<StockResponse?> GetAsync(string sku)
    {
        var known = _db.KeyExistsAsync(_keys.Product(sku));
        var stock = _db.HashGetAsync(_keys.Stock(sku), StockFields);
        await Task.WhenAll(known, stock);
        return known.Result
            ? new StockResponse(sku, Count(stock.Result[0]), Count(stock.Result[1]), Count(stock.Result[2]))
            : null;
    }

    /// <summary>
    /// Adds <paramref name="quantity"/> available units; with <paramref name="idempotencyKey"/>, a repeat within
    /// 24 hours is counted once and answered as the first. <c>null</c> for an unknown sku. One script.
    /// </summary>
    public async Task<StockResponse?> RestockAsync(string sku, int quantity, string? idempotencyKey)
    {
        RedisKey[] keys = idempotencyKey is null
            ? [_keys.Product(sku), _keys.Stock(sku)]
            : [_keys.Product(sku), _keys.Stock(sku), _keys.Restock(sku, idempotencyKey)];
        var result = await _db.ScriptEvaluateAsync(LuaScripts.Restock, keys, [quantity, (long)IdempotencyWindow.TotalSeconds]);
        if (result.IsNull)
        {
            return null;
        }

        var stock = (long[])result!;
        return new StockResponse(sku, stock[0], stock[1], stock[2]);
    }

    private static long Count(RedisValue value) => value.IsNull ? 0 : long.Parse(value.ToString(), CultureInfo.InvariantCulture);
}
