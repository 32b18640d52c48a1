using System.Globalization;
using Doorbuster.Baseline.Catalog;
using Doorbuster.Baseline.Http;
using Doorbuster.Baseline.Redis;
using StackExchange.Redis;

namespace Doorbuster.Baseline.Carts;

/// <summary>
/// Carts in Redis: one hash per cart (sku -> quantity, and <c>:updated</c>), expiring 7 days after its last
/// change. Changes go through one script that enforces the limits atomically; the cart is shown with the
/// current catalog names and prices, read in one pipelined round trip.
/// </summary>
public sealed class CartStore(RedisStore redis, ProductStore products, TimeProvider time)
{
    public const int MaxLineQuantity = 99;
    public const int MaxLines = 100;
    public const string UpdatedField = ":updated";

    /// <summary>A cart untouched this long is forgotten.</summary>
    public static readonly TimeSpan IdleLifetime = TimeSpan.FromDays(7);

    private readonly IDatabase _db = redis.Database;
    private readonly RedisKeys _keys = redis.Keys;

    /// <summary>The cart of a freshly issued id.</summary>
    public static CartResponse Empty(string cartId) => new(cartId, [], Money.Zero, Money.DefaultCurrency, null);

    public async Task<CartResponse> GetAsync(string cartId)
    {
        var entries = await _db.HashGetAllAsync(_keys.Cart(cartId));
        return await ViewAsync(cartId, [.. entries.Select(entry => (entry.Name.ToString(), entry.Value.ToString()))]);
    }

    public async Task<CartUpdate> UpdateAsync(string cartId, string sku, int quantity, CartLineChange change)
    {
        var mode = change switch
        {
            CartLineChange.Add => "add",
            CartLineChange.Set => "set",
            _ => "remove",
        };
        var reply = (RedisResult[])(await _db.ScriptEvaluateAsync(
            LuaScripts.CartUpdate,
            [_keys.Cart(cartId), _keys.Product(sku)],
            [sku, quantity, mode, MaxLineQuantity, MaxLines, time.GetUtcNow().ToUnixTimeMilliseconds(), (long)IdleLifetime.TotalSeconds, _keys.ProductPrefix]))!;

        var outcome = reply[0].ToString() switch
        {
            "ok" => CartUpdateOutcome.Updated,
            "unknown-sku" => CartUpdateOutcome.UnknownSku,
            "line-limit" => CartUpdateOutcome.LineLimit,
            "cart-full" => CartUpdateOutcome.CartFull,
            "currency-mismatch" => CartUpdateOutcome.CurrencyMismatch,
            var other => throw new InvalidOperationException($"The cart script answered '{other}'."),
        };
        if (outcome == CartUpdateOutcome.UnknownSku)
        {
            return new CartUpdate(outcome, null);
        }

        var fields = (RedisResult[])reply[1]!;
        var pairs = new (string, string)[fields.Length / 2];
        for (var i = 0; i < pairs.Length; i++)
        {
            pairs[i] = (fields[2 * i].ToString(), fields[(2 * i) + 1].ToString());
        }

        return new CartUpdate(outcome, await ViewAsync(cartId, pairs));
    }

    public Task ClearAsync(string cartId) => _db.KeyDeleteAsync(_keys.Cart(cartId));

    private async Task<CartResponse> ViewAsync(string cartId, (string Field, string Value)[] fields)
    {
        var lines = fields.Where(f => !f.Field.StartsWith(':')).ToArray();
        var updated = fields.Where(f => f.Field == UpdatedField).Select(f => (DateTimeOffset?)FromUnixMs(f.Value)).FirstOrDefault();
        if (lines.Length == 0)
        {
            return Empty(cartId) with { UpdatedAt = updated };
        }

        var prices = await products.GetPricesAsync([.. lines.Select(line => line.Field)]);
        var items = new List<CartItemResponse>(lines.Length);
        var currency = Money.DefaultCurrency;
        for (var i = 0; i < lines.Length; i++)
        {
            // Products are never deleted, so a miss would be a bug, not a reason to fail the whole cart.
            if (prices[i] is { } price)
            {
                var quantity = int.Parse(lines[i].Value, CultureInfo.InvariantCulture);
                items.Add(new CartItemResponse(lines[i].Field, price.Name, price.Price, quantity, price.Price * quantity));
                currency = price.Currency;
            }
        }

        return new CartResponse(cartId, [.. items], Money.Zero + items.Sum(item => item.LineTotal), currency, updated);
    }

    private static DateTimeOffset FromUnixMs(string value) =>
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(value, CultureInfo.InvariantCulture));
}
