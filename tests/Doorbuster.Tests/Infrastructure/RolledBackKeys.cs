using StackExchange.Redis;

namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// Rolls a grain's keys back as a failover to a replica that never received the last write would: the
/// activation still holds that write in memory, so its next etag-checked write fails.
/// </summary>
public static class RolledBackKeys
{
    /// <summary>
    /// Snapshots every key that names <paramref name="id"/>, runs <paramref name="lostChange"/> (acknowledged),
    /// then restores the snapshots.
    /// </summary>
    public static async Task RollBackAsync(IConnectionMultiplexer redis, string id, Func<Task> lostChange)
    {
        var keys = redis.GetServers()
            .Where(server => server.IsConnected && !server.IsReplica)
            .SelectMany(server => server.Keys(pattern: $"*{id}*"))
            .ToList();
        Assert.NotEmpty(keys);
        // Read back by type rather than DUMP/RESTORE, which Garnet does not offer for hashes.
        var database = redis.GetDatabase();
        var snapshots = new List<(RedisKey Key, RedisValue Text, HashEntry[] Fields, TimeSpan? Expiry)>();
        foreach (var key in keys)
        {
            var isHash = await database.KeyTypeAsync(key) == RedisType.Hash;
            snapshots.Add((
                key,
                isHash ? RedisValue.Null : await database.StringGetAsync(key),
                isHash ? await database.HashGetAllAsync(key) : [],
                await database.KeyTimeToLiveAsync(key)));
        }

        await lostChange();
        foreach (var (key, text, fields, expiry) in snapshots)
        {
            await database.KeyDeleteAsync(key);
            if (text.HasValue)
            {
                await database.StringSetAsync(key, text);
            }
            else
            {
                await database.HashSetAsync(key, fields);
            }

            await database.KeyExpireAsync(key, expiry);
        }
    }
}
