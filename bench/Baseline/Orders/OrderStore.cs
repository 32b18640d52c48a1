using System.Globalization;
using System.Text.Json;
using Doorbuster.Baseline.Carts;
using Doorbuster.Baseline.Http;
using Doorbuster.Baseline.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Doorbuster.Baseline.Orders;

/// <summary>
/// Orders in Redis. Checkout is one script (reserve every line or none, write the order, empty the cart);
/// every later change (pay, cancel, expire) is one other script, the order's only state transition, which
/// also expires an unpaid order past its window before doing anything else. Reads that find such an order
/// run that transition too, and <see cref="OrderExpirySweeper"/> runs it for orders nobody looks at.
/// </summary>
public sealed class OrderStore(
    RedisStore redis, IOptions<CheckoutOptions> checkout, IOptions<OrderOptions> orders, TimeProvider time)
{
    private const string Pending = "PendingPayment";

    private readonly IDatabase _db = redis.Database;
    private readonly RedisKeys _keys = redis.Keys;

    public async Task<CheckoutResult> CheckoutAsync(string cartId, string idempotencyKey)
    {
        var orderId = OrderIds.For(cartId, idempotencyKey);
        var now = time.GetUtcNow();
        var reply = (RedisResult[])(await _db.ScriptEvaluateAsync(
            LuaScripts.Checkout,
            [_keys.Cart(cartId), _keys.Order(orderId), _keys.OrderExpiries],
            [orderId, cartId, now.ToUnixTimeMilliseconds(), (now + checkout.Value.PaymentWindow).ToUnixTimeMilliseconds(), _keys.ProductPrefix, _keys.StockPrefix]))!;

        switch (reply[0].ToString())
        {
            case "created":
                return new CheckoutResult(CheckoutOutcome.Created, Read(orderId, reply[1]), []);
            case "existing":
                return new CheckoutResult(CheckoutOutcome.Existing, await ObserveAsync(orderId, ToFields(reply[1])), []);
            case "empty":
                return new CheckoutResult(CheckoutOutcome.EmptyCart, null, []);
            case "short":
                return new CheckoutResult(CheckoutOutcome.InsufficientStock, null, ReadShortages(reply[1].ToString()));
            case var other:
                throw new InvalidOperationException($"The checkout script answered '{other}'.");
        }
    }

    /// <summary>The order, or <c>null</c> if unknown: one HGETALL, plus the expiry transition if it is due.</summary>
    public async Task<OrderResponse?> GetAsync(string orderId)
    {
        var entries = await _db.HashGetAllAsync(_keys.Order(orderId));
        if (entries.Length == 0)
        {
            return null;
        }

        return await ObserveAsync(orderId, entries.ToDictionary(entry => entry.Name.ToString(), entry => entry.Value.ToString(), StringComparer.Ordinal));
    }

    public Task<OrderActionResult> PayAsync(string orderId) => TransitionAsync(orderId, "pay");

    public Task<OrderActionResult> CancelAsync(string orderId) => TransitionAsync(orderId, "cancel");

    /// <summary>Expires every pending order whose window has closed, a batch at a time; answers how many were due.</summary>
    public async Task<int> ExpireDueAsync(int batchSize)
    {
        var count = 0;
        while (true)
        {
            var due = await _db.SortedSetRangeByScoreAsync(
                _keys.OrderExpiries, double.NegativeInfinity, time.GetUtcNow().ToUnixTimeMilliseconds(), take: batchSize);
            await Task.WhenAll(due.Select(orderId => TransitionAsync(orderId.ToString(), "expire")));
            count += due.Length;
            if (due.Length < batchSize)
            {
                return count;
            }
        }
    }

    private async Task<OrderActionResult> TransitionAsync(string orderId, string action)
    {
        var reply = await _db.ScriptEvaluateAsync(
            LuaScripts.OrderTransition,
            [_keys.Order(orderId), _keys.OrderExpiries],
            [action, time.GetUtcNow().ToUnixTimeMilliseconds(), (long)orders.Value.Retention.TotalMilliseconds, orderId, _keys.StockPrefix]);
        if (reply.IsNull)
        {
            return new OrderActionResult(OrderActionOutcome.NotFound, null);
        }

        var parts = (RedisResult[])reply!;
        var outcome = parts[0].ToString() == "ok" ? OrderActionOutcome.Done : OrderActionOutcome.Conflict;
        return new OrderActionResult(outcome, Read(orderId, parts[1]));
    }

    /// <summary>
    /// An order as read, unless it is unpaid past its window: then the transition script expires it (and
    /// returns its units) before it is shown. Pay and cancel need no such check: the script always makes it.
    /// </summary>
    private async Task<OrderResponse> ObserveAsync(string orderId, Dictionary<string, string> fields)
    {
        var due = fields["status"] == Pending && time.GetUtcNow().ToUnixTimeMilliseconds() >= Ms(fields["expiresAt"]);
        return due ? (await TransitionAsync(orderId, "expire")).Order ?? Read(orderId, fields) : Read(orderId, fields);
    }

    private static OrderResponse Read(string orderId, RedisResult hash) => Read(orderId, ToFields(hash));

    private static OrderResponse Read(string orderId, Dictionary<string, string> fields)
    {
        // Lines are stored as a JSON array of [sku, name, unit price (text), quantity], captured at checkout.
        using var lines = JsonDocument.Parse(fields["lines"]);
        var items = lines.RootElement.EnumerateArray()
            .Select(line =>
            {
                var price = Money.Parse(line[2].GetString()!);
                var quantity = line[3].GetInt32();
                return new CartItemResponse(line[0].GetString()!, line[1].GetString()!, price, quantity, price * quantity);
            })
            .ToArray();
        return new OrderResponse(
            orderId,
            fields["cartId"],
            fields["status"],
            items,
            Money.Zero + items.Sum(item => item.LineTotal),
            fields["currency"],
            DateTimeOffset.FromUnixTimeMilliseconds(Ms(fields["createdAt"])),
            DateTimeOffset.FromUnixTimeMilliseconds(Ms(fields["expiresAt"])));
    }

    private static Shortage[] ReadShortages(string json)
    {
        using var shortages = JsonDocument.Parse(json);
        return [.. shortages.RootElement.EnumerateArray().Select(s => new Shortage(
            s.GetProperty("sku").GetString()!, s.GetProperty("requested").GetInt64(), s.GetProperty("available").GetInt64()))];
    }

    private static Dictionary<string, string> ToFields(RedisResult hash)
    {
        var flat = (RedisResult[])hash!;
        var fields = new Dictionary<string, string>(flat.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            fields[flat[i].ToString()] = flat[i + 1].ToString();
        }

        return fields;
    }

    private static long Ms(string value) => long.Parse(value, CultureInfo.InvariantCulture);
}
