using System.Globalization;
using System.Text.Json;
using Doorbuster.Persistence;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Doorbuster.Sales;

/// <summary>
/// A sale in Redis: a hash with its definition, ticket key, queue counters and admission count; a hash of
/// tickets held per client; a hash of claimed positions (position → order); and a list of admission steps
/// (<c>through:unix ms</c>). Every change is one Lua script, so the counters move atomically whoever runs
/// them: two activations of a sale (while a silo fails) hand out distinct places and admit each position
/// once. All keys share one hash tag, for Redis Cluster. Every change waits for its replicas as
/// <see cref="ReplicatedWrites.Sales"/> says: a place, an admission or a used ticket that only a lost primary
/// held would be handed out, taken back or let through again after a failover.
/// </summary>
public sealed class SaleStore(IConnectionMultiplexer redis, ReplicaAcknowledgement replicas, IOptions<ClusterOptions> cluster)
{
    /// <summary>
    /// The pre-queue's draw, fixed by whichever script first runs at or after the start (ARGV[2] now, ARGV[3] the
    /// start, ARGV[4] a seed): its size then, and the seed. Sets <c>drawn</c> (nil before the start).
    /// </summary>
    private const string DrawIfStarted = """
        local drawn = redis.call('HGET', KEYS[1], 'drawn')
        if not drawn and tonumber(ARGV[2]) >= tonumber(ARGV[3]) then
          drawn = (redis.call('HGET', KEYS[1], 'pre') or '0') .. ':' .. ARGV[4]
          redis.call('HSET', KEYS[1], 'drawn', drawn)
        end
        """;

    /// <summary>
    /// Fixes the pre-queue at the start, then hands out places. KEYS: sale, clients. ARGV: limit, now (ms),
    /// start (ms), seed, clients... Returns the draw ("count:seed", or "" before the start) then one place per
    /// client (see <see cref="JoinResult"/>), or "ended" / "none".
    /// </summary>
    private const string JoinScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {'none'} end
        if redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return {'ended'} end
        """ + "\n" + DrawIfStarted + "\n" + """
        local limit = tonumber(ARGV[1])
        local result = {drawn or ''}
        for i = 5, #ARGV do
          local held = tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '0')
          if held >= limit then
            result[#result + 1] = 0
          else
            redis.call('HINCRBY', KEYS[2], ARGV[i], 1)
            if drawn then
              result[#result + 1] = redis.call('HINCRBY', KEYS[1], 'post', 1)
            else
              result[#result + 1] = -redis.call('HINCRBY', KEYS[1], 'pre', 1)
            end
          end
        end
        return result
        """;

    /// <summary>
    /// Fixes the pre-queue at the start, then admits up to ARGV[1] more positions past ARGV[5], the count the
    /// caller has published (never beyond those handed out). KEYS: sale, admissions. ARGV: step, now (ms),
    /// start (ms), seed, published. Returns the draw and the count admitted. Stepping from what was published, not
    /// from what is stored, keeps steps whose answer was lost (a replica that did not acknowledge) from adding
    /// up to a burst: they admitted nobody anyone was told of. Such a step's admissions count from now, when
    /// they are told.
    /// </summary>
    private const string AdmitScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return {'', -1} end
        """ + "\n" + DrawIfStarted + "\n" + """
        local admitted = tonumber(redis.call('HGET', KEYS[1], 'admitted') or '0')
        if not drawn then return {'', admitted} end
        local count = tonumber(string.match(drawn, '^(%d+)'))
        local issued = count + tonumber(redis.call('HGET', KEYS[1], 'post') or '0')
        local published = tonumber(ARGV[5])
        local target = math.min(published + tonumber(ARGV[1]), issued)
        if target > admitted then
          redis.call('HSET', KEYS[1], 'admitted', target)
          redis.call('RPUSH', KEYS[2], target .. ':' .. ARGV[2])
        elseif published < admitted and tonumber(ARGV[1]) > 0 then
          redis.call('LSET', KEYS[2], -1, admitted .. ':' .. ARGV[2])
        end
        return {drawn, math.max(target, admitted)}
        """;

    /// <summary>KEYS: clients. ARGV: clients... Each gets back one ticket of its limit.</summary>
    private const string GiveBackScript = """
        for i = 1, #ARGV do
          if tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0') > 0 then redis.call('HINCRBY', KEYS[1], ARGV[i], -1) end
        end
        return 0
        """;

    /// <summary>KEYS: claims. ARGV: position, order. 1 when the position is (now, or already) the order's.</summary>
    private const string ClaimScript = """
        local holder = redis.call('HGET', KEYS[1], ARGV[1])
        if not holder then
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
          return 1
        end
        if holder == ARGV[2] then return 1 end
        return 0
        """;

    /// <summary>KEYS: claims. ARGV: position, order.</summary>
    private const string ReleaseScript = """
        if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
        return 0
        """;

    /// <summary>KEYS: sale. ARGV: definition, new key (base64). The key is kept when the sale exists.</summary>
    private const string DefineScript = """
        if redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return 0 end
        redis.call('HSETNX', KEYS[1], 'key', ARGV[2])
        redis.call('HSET', KEYS[1], 'definition', ARGV[1])
        return 1
        """;

    private readonly string _prefix = $"{cluster.Value.ServiceId}/sale/";

    public async Task<StoredSale?> ReadAsync(string saleId)
    {
        var (sale, claims, admissions) = await StoreFailures.ReadAsync(
            async () =>
            {
                var transaction = redis.GetDatabase().CreateTransaction();
                var saleRead = transaction.HashGetAllAsync(SaleKey(saleId));
                var claimsRead = transaction.HashGetAllAsync(ClaimsKey(saleId));
                var admissionsRead = transaction.ListRangeAsync(AdmissionsKey(saleId));
                await transaction.ExecuteAsync(); // no conditions: it runs, or its reads fail with it
                return (await saleRead, await claimsRead, await admissionsRead);
            },
            $"Sale {saleId} could not be read");
        var fields = sale.ToDictionary(entry => entry.Name.ToString(), entry => entry.Value.ToString(), StringComparer.Ordinal);
        if (!fields.TryGetValue("definition", out var definition) || !fields.TryGetValue("key", out var key))
        {
            return null;
        }

        return new StoredSale(
            JsonSerializer.Deserialize<SaleDefinition>(definition)!,
            Convert.FromBase64String(key),
            fields.TryGetValue("ended", out var ended) ? DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(ended, CultureInfo.InvariantCulture)) : null,
            ParseDraw(fields.GetValueOrDefault("drawn")),
            Number(fields, "pre"),
            Number(fields, "post"),
            Number(fields, "admitted"),
            admissions.Select(entry => ParseAdmission(entry.ToString())).ToList(),
            claims.ToDictionary(entry => long.Parse(entry.Name.ToString(), CultureInfo.InvariantCulture), entry => entry.Value.ToString()));
    }

    /// <summary>Stores the definition; false when the sale has ended (an ended sale stays ended).</summary>
    public Task<bool> DefineAsync(string saleId, SaleDefinition definition, byte[] newKey) =>
        WriteAsync(saleId, async database => (long)await database.ScriptEvaluateAsync(
            DefineScript, [SaleKey(saleId)], [JsonSerializer.Serialize(definition), Convert.ToBase64String(newKey)]) == 1);

    public Task EndAsync(string saleId, DateTimeOffset at) =>
        WriteAsync(saleId, database => database.HashSetAsync(SaleKey(saleId), "ended", at.ToUnixTimeMilliseconds()));

    /// <summary>
    /// Hands out places. When no replica acknowledges them, nobody is given a ticket for them: the clients get
    /// their tickets back (the places stay taken, and are admitted in turn with nobody to use them), so that the
    /// shoppers who are told to try again are not counted against their limit for tickets they never got — a
    /// replica lagging at a sale's opening would otherwise lock out everyone who joined twice.
    /// </summary>
    public async Task<StoredJoin> JoinAsync(string saleId, int limit, DateTimeOffset now, DateTimeOffset startsAt, ulong seed, string[] clients)
    {
        var joined = await RunAsync(async database =>
        {
            var values = new RedisValue[4 + clients.Length];
            values[0] = limit;
            values[1] = now.ToUnixTimeMilliseconds();
            values[2] = startsAt.ToUnixTimeMilliseconds();
            values[3] = seed.ToString(CultureInfo.InvariantCulture);
            for (var i = 0; i < clients.Length; i++)
            {
                values[4 + i] = clients[i];
            }

            var result = (RedisResult[])(await database.ScriptEvaluateAsync(JoinScript, [SaleKey(saleId), ClientsKey(saleId)], values))!;
            var head = result[0].ToString();
            return head switch
            {
                "none" => new StoredJoin(JoinOutcome.NotFound, null, []),
                "ended" => new StoredJoin(JoinOutcome.Ended, null, []),
                _ => new StoredJoin(JoinOutcome.Joined, ParseDraw(head), result.Skip(1).Select(place => (long)place).ToArray()),
            };
        });

        try
        {
            await replicas.ReplicatedAsync(ReplicatedWrites.Sales, SaleKey(saleId));
        }
        catch (StoreUnavailableException unacknowledged) when (joined.Places.Any(place => place != 0))
        {
            var placed = clients.Where((_, i) => joined.Places[i] != 0).Select(client => (RedisValue)client).ToArray();
            if (await GaveBackAsync(saleId, placed))
            {
                throw new StoreUnavailableException(
                    mayHaveBeenApplied: false, $"No replica acknowledged the places of sale {saleId}; the clients were given their tickets back.", unacknowledged);
            }

            throw; // the tickets may still count against the limit: the change may have been applied
        }

        return joined;
    }

    private async Task<bool> GaveBackAsync(string saleId, RedisValue[] clients)
    {
        try
        {
            await redis.GetDatabase().ScriptEvaluateAsync(GiveBackScript, [ClientsKey(saleId)], clients);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>
    /// Admits up to <paramref name="step"/> positions past <paramref name="published"/>; answers the draw and the
    /// count admitted (-1: the sale ended or is gone).
    /// </summary>
    public Task<(PrequeueDraw? Draw, long Admitted)> AdmitAsync(string saleId, long published, long step, DateTimeOffset now, DateTimeOffset startsAt, ulong seed) =>
        WriteAsync(saleId, async database =>
        {
            var result = (RedisResult[])(await database.ScriptEvaluateAsync(
                AdmitScript,
                [SaleKey(saleId), AdmissionsKey(saleId)],
                [step, now.ToUnixTimeMilliseconds(), startsAt.ToUnixTimeMilliseconds(), seed.ToString(CultureInfo.InvariantCulture), published]))!;
            return (ParseDraw(result[0].ToString()), (long)result[1]);
        });

    public Task<bool> ClaimAsync(string saleId, long position, string orderId) =>
        WriteAsync(saleId, async database => (long)await database.ScriptEvaluateAsync(ClaimScript, [ClaimsKey(saleId)], [position, orderId]) == 1);

    public Task ReleaseAsync(string saleId, long position, string orderId) =>
        WriteAsync(saleId, database => database.ScriptEvaluateAsync(ReleaseScript, [ClaimsKey(saleId)], [position, orderId]));

    /// <summary>Runs one change of the sale and answers once the replicas it waits for hold it.</summary>
    private async Task<T> WriteAsync<T>(string saleId, Func<IDatabase, Task<T>> command)
    {
        var result = await RunAsync(command);
        await replicas.ReplicatedAsync(ReplicatedWrites.Sales, SaleKey(saleId));
        return result;
    }

    private async Task<T> RunAsync<T>(Func<IDatabase, Task<T>> command)
    {
        try
        {
            return await command(redis.GetDatabase());
        }
        catch (Exception exception)
        {
            // Whatever the client threw, the change may have run unless the store proves it did not (Classify).
            throw StoreFailures.Classify(exception);
        }
    }

    private static long Number(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var value) ? long.Parse(value, CultureInfo.InvariantCulture) : 0;

    private static PrequeueDraw? ParseDraw(string? drawn)
    {
        if (string.IsNullOrEmpty(drawn))
        {
            return null;
        }

        var separator = drawn.IndexOf(':', StringComparison.Ordinal);
        return new PrequeueDraw(
            long.Parse(drawn.AsSpan(0, separator), CultureInfo.InvariantCulture),
            ulong.Parse(drawn.AsSpan(separator + 1), CultureInfo.InvariantCulture));
    }

    private static Admission ParseAdmission(string entry)
    {
        var separator = entry.IndexOf(':', StringComparison.Ordinal);
        return new Admission(
            long.Parse(entry.AsSpan(0, separator), CultureInfo.InvariantCulture),
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(entry.AsSpan(separator + 1), CultureInfo.InvariantCulture)));
    }

    private string SaleKey(string saleId) => $"{{{_prefix}{saleId}}}";

    private string ClientsKey(string saleId) => $"{SaleKey(saleId)}/clients";

    private string ClaimsKey(string saleId) => $"{SaleKey(saleId)}/claims";

    private string AdmissionsKey(string saleId) => $"{SaleKey(saleId)}/admissions";
}

/// <summary>A sale as read from Redis.</summary>
public sealed record StoredSale(
    SaleDefinition Definition,
    byte[] TicketKey,
    DateTimeOffset? EndedAt,
    PrequeueDraw? Draw,
    long PreJoined,
    long PostJoined,
    long Admitted,
    List<Admission> Admissions,
    Dictionary<long, string> Claims);

public sealed record StoredJoin(JoinOutcome Outcome, PrequeueDraw? Draw, long[] Places);
