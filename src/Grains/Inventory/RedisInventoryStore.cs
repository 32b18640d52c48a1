using System.Globalization;
using Doorbuster.Persistence;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Doorbuster.Inventory;

/// <summary>
/// The stock of each sku in Redis, in one hash per sku, laid out so that a write costs what it changed: the
/// counters and a version (<c>#available</c>, <c>#reserved</c>, <c>#sold</c>, <c>#total</c>, <c>#version</c>),
/// one field per hold (<c>orderId:attempt</c> → <c>quantity:expiry</c>, see <see cref="HoldKey"/>), and one per
/// restock done under an idempotency key (<c>!key</c>). A write is one Lua script that checks the version it
/// continues from (a stale activation can never overwrite a newer one) and then changes the hash with a single
/// HSET: counters, new and changed entries, and deleted entries as tombstones (<c>~</c>), which the next write
/// removes. The hash is the sku's only key and carries a hash tag, so this also works on Redis Cluster.
/// </summary>
/// <remarks>
/// One command that changes the stock per write (the HDELs after it only remove what no read counts any more:
/// tombstones and expired restock records), because a store may replay a script after a crash command by command:
/// Garnet, killed and restarted from its append-only file, brought back 35 of 80 two-command scripts with only
/// their first command applied in 10 rounds of kill -9 (with one HSET per script, 0 of 120) — a counter moved
/// without its hold is a unit sold twice. A write therefore carries at most <see cref="MaxChangesPerWrite"/>
/// entries (the arguments of one command). The release before kept the counters in a hash of their own
/// (<c>…/stock</c>) and restock records in keys of their own: both are still read, and the first write moves
/// the counters over.
/// </remarks>
public sealed class RedisInventoryStore(
    IConnectionMultiplexer redis, ReplicaAcknowledgement replicas, IOptions<ClusterOptions> cluster, IOptions<InventoryOptions> options)
{
    /// <summary>
    /// Entries a write carries before calls wait for the next one; a sweep's verdicts, applied after it asked the
    /// orders, may add their 256 on top. Well within what one command can take from a Lua script (8,000
    /// arguments in Redis: about 3,990 entries).
    /// </summary>
    public const int MaxChangesPerWrite = 2_000;

    private const string Tombstone = "~";

    /// <summary>
    /// KEYS: the book, the earlier counters. ARGV: expected version, pairs, fields to purge, the pairs, the fields.
    /// The fields to purge are removed a thousand at a time: Lua's <c>unpack</c> fails above about 8,000 values, and
    /// a script that fails after its HSET leaves that HSET applied. Their number has no bound of its own — a new
    /// activation purges every tombstone and every restock record past its retention that it read.
    /// </summary>
    private const string WriteScript = """
        local version = redis.call('HGET', KEYS[1], '#version') or redis.call('HGET', KEYS[2], 'version')
        version = tonumber(version or '0')
        if version ~= tonumber(ARGV[1]) then
          return redis.error_reply('DOORBUSTER-CONFLICT stock version ' .. version .. ', write expected ' .. ARGV[1])
        end
        local pairs, purge = tonumber(ARGV[2]), tonumber(ARGV[3])
        redis.call('HSET', KEYS[1], '#version', version + 1, unpack(ARGV, 4, 3 + 2 * pairs))
        local first, last = 4 + 2 * pairs, 3 + 2 * pairs + purge
        for from = first, last, 1000 do
          redis.call('HDEL', KEYS[1], unpack(ARGV, from, math.min(from + 999, last)))
        end
        if redis.call('EXISTS', KEYS[2]) == 1 then
          redis.call('DEL', KEYS[2])
        end
        return version + 1
        """;

    private readonly string _prefix = $"{cluster.Value.ServiceId}/inventory/";
    private readonly TimeSpan _restockRetention = options.Value.RestockKeyRetention;

    /// <summary>Reads the stock of <paramref name="sku"/> in one atomic step; restock records past their retention are left to purge.</summary>
    public async Task<StoredStock> ReadAsync(string sku, DateTimeOffset now)
    {
        var (book, earlierCounters) = await StoreFailures.ReadAsync(
            async () =>
            {
                var transaction = redis.GetDatabase().CreateTransaction();
                var bookRead = transaction.HashGetAllAsync(BookKey(sku));
                var earlierRead = transaction.HashGetAllAsync(EarlierCountersKey(sku));
                await transaction.ExecuteAsync(); // no conditions: it runs, or its reads fail with it
                return (await bookRead, await earlierRead);
            },
            $"The stock of {sku} could not be read");
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        var holds = new Dictionary<HoldKey, Reservation>();
        var restocks = new Dictionary<string, RestockRecord>(StringComparer.Ordinal);
        var purge = new List<string>();
        foreach (var entry in book)
        {
            var (field, value) = (entry.Name.ToString(), entry.Value.ToString());
            if (field.StartsWith('#'))
            {
                counters[field[1..]] = (long)entry.Value;
            }
            else if (value == Tombstone)
            {
                purge.Add(field);
            }
            else if (field.StartsWith('!'))
            {
                var record = RestockRecord.Decode(value);
                if (record.RecordedAt + _restockRetention > now)
                {
                    restocks[field[1..]] = record;
                }
                else
                {
                    purge.Add(field);
                }
            }
            else
            {
                holds[HoldKey.FromField(field)] = Reservation.Decode(value);
            }
        }

        if (!counters.ContainsKey("version"))
        {
            counters = earlierCounters.ToDictionary(entry => entry.Name.ToString(), entry => (long)entry.Value, StringComparer.Ordinal);
        }

        return new StoredStock(
            counters.GetValueOrDefault("version"),
            counters.GetValueOrDefault("available"),
            counters.GetValueOrDefault("reserved"),
            counters.GetValueOrDefault("sold"),
            counters.GetValueOrDefault("total"),
            holds,
            restocks,
            purge);
    }

    /// <summary>Stores one batch; throws when the store refused it or its outcome is unknown.</summary>
    public async Task WriteAsync(string sku, StockWrite write)
    {
        var purge = write.Purge ?? [];
        var pairs = 4 + write.Holds.Count + write.Restocks.Count;
        var values = new RedisValue[3 + (2 * pairs) + purge.Count];
        values[0] = write.ExpectedVersion;
        values[1] = pairs;
        values[2] = purge.Count;
        var i = 3;
        foreach (var (field, value) in Counters(write))
        {
            values[i++] = field;
            values[i++] = value;
        }

        foreach (var (key, hold) in write.Holds)
        {
            values[i++] = key.Field;
            values[i++] = hold is { } held ? held.Encode() : Tombstone;
        }

        foreach (var (key, record) in write.Restocks)
        {
            values[i++] = "!" + key;
            values[i++] = record.Encode();
        }

        foreach (var field in purge)
        {
            values[i++] = field;
        }

        var book = BookKey(sku);
        await redis.GetDatabase().ScriptEvaluateAsync(WriteScript, [book, EarlierCountersKey(sku)], values);
        await replicas.ReplicatedAsync(ReplicatedWrites.Stock, book);
    }

    /// <summary>
    /// A restock the earlier release recorded under <paramref name="key"/> in a key of its own (with a 25-hour
    /// expiry, so such keys are gone a day after the upgrade), if any.
    /// </summary>
    public async Task<RestockRecord?> FindEarlierRestockAsync(string sku, string key)
    {
        var value = await StoreFailures.ReadAsync(() => redis.GetDatabase().StringGetAsync(EarlierRestockKey(sku, key)), $"The restocks of {sku} could not be read");
        return value.IsNull ? null : RestockRecord.Decode(value.ToString());
    }

    private static IEnumerable<(string Field, long Value)> Counters(StockWrite write) =>
        [("#available", write.Available), ("#reserved", write.Reserved), ("#sold", write.Sold), ("#total", write.TotalRestocked)];

    // "{sku}" is the hash tag: every key of one sku lands on the same Redis Cluster slot, as a script needs.
    private string BookKey(string sku) => string.Create(CultureInfo.InvariantCulture, $"{_prefix}{{{sku}}}/reservations");

    private string EarlierCountersKey(string sku) => string.Create(CultureInfo.InvariantCulture, $"{_prefix}{{{sku}}}/stock");

    private string EarlierRestockKey(string sku, string key) => string.Create(CultureInfo.InvariantCulture, $"{_prefix}{{{sku}}}/restock/{key}");
}
