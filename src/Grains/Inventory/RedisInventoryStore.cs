using System.Globalization;
using Doorbuster.Persistence;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Doorbuster.Inventory;

/// <summary>
/// The stock of each sku in Redis, laid out so that a write costs what it changed: a hash of counters and
/// a version, a hash of outstanding reservations (order id → <c>quantity:expiry</c>), and one short-lived
/// key per restock idempotency key. A write is one Lua script that checks the version it continues from
/// (so a stale activation can never overwrite a newer one), sets the counters, and sets or deletes only the
/// reservations of its batch. The keys of one sku share a hash tag, so this also works on Redis Cluster.
/// </summary>
public sealed class RedisInventoryStore(IConnectionMultiplexer redis, IOptions<ClusterOptions> cluster, IOptions<InventoryOptions> options)
{
    private const string WriteScript = """
        local version = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
        if version ~= tonumber(ARGV[1]) then
          return redis.error_reply('DOORBUSTER-CONFLICT stock version ' .. version .. ', write expected ' .. ARGV[1])
        end
        redis.call('HSET', KEYS[1], 'available', ARGV[2], 'reserved', ARGV[3], 'sold', ARGV[4], 'total', ARGV[5], 'version', version + 1)
        local i = 9
        for n = 1, tonumber(ARGV[6]) do
          redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
          i = i + 2
        end
        for n = 1, tonumber(ARGV[7]) do
          redis.call('HDEL', KEYS[2], ARGV[i])
          i = i + 1
        end
        for k = 3, #KEYS do
          redis.call('SET', KEYS[k], ARGV[i], 'EX', ARGV[8])
          i = i + 1
        end
        return version + 1
        """;

    private readonly string _prefix = $"{cluster.Value.ServiceId}/inventory/";
    private readonly long _restockKeySeconds = (long)options.Value.RestockKeyRetention.TotalSeconds;

    /// <summary>Reads the stock of <paramref name="sku"/>, counters and reservations in one atomic step.</summary>
    public async Task<StoredStock> ReadAsync(string sku)
    {
        try
        {
            var transaction = redis.GetDatabase().CreateTransaction();
            var counters = transaction.HashGetAllAsync(StockKey(sku));
            var holds = transaction.HashGetAllAsync(HoldsKey(sku));
            if (!await transaction.ExecuteAsync())
            {
                throw new StoreUnavailableException(mayHaveBeenApplied: false, $"Reading the stock of {sku} was not executed.");
            }

            var fields = (await counters).ToDictionary(entry => entry.Name.ToString(), entry => (long)entry.Value, StringComparer.Ordinal);
            var reservations = (await holds).ToDictionary(
                entry => entry.Name.ToString(), entry => Reservation.Decode(entry.Value.ToString()), StringComparer.Ordinal);
            return new StoredStock(
                fields.GetValueOrDefault("version"),
                fields.GetValueOrDefault("available"),
                fields.GetValueOrDefault("reserved"),
                fields.GetValueOrDefault("sold"),
                fields.GetValueOrDefault("total"),
                reservations);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            throw new StoreUnavailableException(mayHaveBeenApplied: false, $"The stock of {sku} could not be read.", exception);
        }
    }

    /// <summary>Stores one batch; throws when the store refused it or its outcome is unknown.</summary>
    public async Task WriteAsync(string sku, StockWrite write)
    {
        var holds = write.Holds.Where(change => change.Value is not null).ToList();
        var drops = write.Holds.Where(change => change.Value is null).ToList();
        var keys = new RedisKey[2 + write.Restocks.Count];
        keys[0] = StockKey(sku);
        keys[1] = HoldsKey(sku);
        var values = new RedisValue[8 + (2 * holds.Count) + drops.Count + write.Restocks.Count];
        values[0] = write.ExpectedVersion;
        values[1] = write.Available;
        values[2] = write.Reserved;
        values[3] = write.Sold;
        values[4] = write.TotalRestocked;
        values[5] = holds.Count;
        values[6] = drops.Count;
        values[7] = _restockKeySeconds;
        var i = 8;
        foreach (var (orderId, hold) in holds)
        {
            values[i++] = orderId;
            values[i++] = hold!.Value.Encode();
        }

        foreach (var (orderId, _) in drops)
        {
            values[i++] = orderId;
        }

        var k = 2;
        foreach (var (key, record) in write.Restocks)
        {
            keys[k++] = RestockKey(sku, key);
            values[i++] = record.Encode();
        }

        await redis.GetDatabase().ScriptEvaluateAsync(WriteScript, keys, values);
    }

    /// <summary>The restock done under <paramref name="key"/> within the retention, if any.</summary>
    public async Task<RestockRecord?> FindRestockAsync(string sku, string key)
    {
        try
        {
            var value = await redis.GetDatabase().StringGetAsync(RestockKey(sku, key));
            return value.IsNull ? null : RestockRecord.Decode(value.ToString());
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            throw new StoreUnavailableException(mayHaveBeenApplied: false, $"The restocks of {sku} could not be read.", exception);
        }
    }

    // "{sku}" is the hash tag: every key of one sku lands on the same Redis Cluster slot, as a script needs.
    private string StockKey(string sku) => string.Create(CultureInfo.InvariantCulture, $"{_prefix}{{{sku}}}/stock");

    private string HoldsKey(string sku) => string.Create(CultureInfo.InvariantCulture, $"{_prefix}{{{sku}}}/reservations");

    private string RestockKey(string sku, string key) => string.Create(CultureInfo.InvariantCulture, $"{_prefix}{{{sku}}}/restock/{key}");
}
