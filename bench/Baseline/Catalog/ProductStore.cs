using System.Globalization;
using Doorbuster.Baseline.Http;
using Doorbuster.Baseline.Redis;
using StackExchange.Redis;

namespace Doorbuster.Baseline.Catalog;

/// <summary>
/// Products in Redis: one hash per product, and sorted sets of skus (all scores 0, so ordered by sku) for
/// the whole catalog and for each category. Every read goes to Redis; there is no cache in the process.
/// </summary>
public sealed class ProductStore(RedisStore redis)
{
    private static readonly RedisValue[] PriceFields = ["name", "price", "currency"];

    private readonly IDatabase _db = redis.Database;
    private readonly RedisKeys _keys = redis.Keys;

    /// <summary>The product, or <c>null</c> for an unknown sku: one HGETALL.</summary>
    public async Task<ProductResponse?> GetAsync(string sku) => Read(await _db.HashGetAllAsync(_keys.Product(sku)));

    /// <summary>A page of a category (or of the whole catalog): ZCARD and ZRANGE, then the hashes, each step pipelined.</summary>
    public async Task<ProductPageResponse> GetPageAsync(string? category, int page, int pageSize)
    {
        var index = category is null ? _keys.AllProducts : _keys.Category(category);
        var start = (long)(page - 1) * pageSize;
        var total = _db.SortedSetLengthAsync(index);
        var skus = _db.SortedSetRangeByRankAsync(index, start, start + pageSize - 1);
        await Task.WhenAll(total, skus);

        var hashes = await Task.WhenAll(skus.Result.Select(sku => _db.HashGetAllAsync(_keys.Product(sku.ToString()))));
        ProductResponse[] items = [.. hashes.Select(Read).OfType<ProductResponse>()];
        return new ProductPageResponse(items, page, pageSize, (int)Math.Min(total.Result, int.MaxValue));
    }

    /// <summary>Creates or updates the product and moves it between category sets, atomically (one script).</summary>
    public async Task<ProductResponse> UpsertAsync(string sku, string name, string description, string category, decimal price, string currency)
    {
        var version = await _db.ScriptEvaluateAsync(
            LuaScripts.UpsertProduct,
            [_keys.Product(sku), _keys.AllProducts, _keys.Category(category)],
            [sku, name, description, category, Money.Format(price), currency, _keys.CategoryPrefix]);
        // The price as stored (two decimals), so that the answer reads as a later GET will.
        return new ProductResponse(sku, name, description, category, Money.Parse(Money.Format(price)), currency, (long)version);
    }

    /// <summary>The current name and price of each sku (<c>null</c> where unknown): HMGETs, pipelined.</summary>
    public async Task<ProductPrice?[]> GetPricesAsync(IReadOnlyList<string> skus)
    {
        var replies = await Task.WhenAll(skus.Select(sku => _db.HashGetAsync(_keys.Product(sku), PriceFields)));
        return [.. replies.Select(fields => fields[0].IsNull
            ? null
            : new ProductPrice(fields[0].ToString(), Money.Parse(fields[1].ToString()), fields[2].ToString()))];
    }

    private static ProductResponse? Read(HashEntry[] entries)
    {
        if (entries.Length == 0)
        {
            return null;
        }

        string sku = "", name = "", description = "", category = "", currency = Money.DefaultCurrency;
        decimal price = 0;
        long version = 0;
        foreach (var entry in entries)
        {
            switch (entry.Name.ToString())
            {
                case "sku": sku = entry.Value.ToString(); break;
                case "name": name = entry.Value.ToString(); break;
                case "description": description = entry.Value.ToString(); break;
                case "category": category = entry.Value.ToString(); break;
                case "price": price = Money.Parse(entry.Value.ToString()); break;
                case "currency": currency = entry.Value.ToString(); break;
                case "version": version = long.Parse(entry.Value.ToString(), CultureInfo.InvariantCulture); break;
            }
        }

        return new ProductResponse(sku, name, description, category, price, currency, version);
    }
}
