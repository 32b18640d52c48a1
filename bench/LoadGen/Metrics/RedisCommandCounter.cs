using System.Globalization;
using StackExchange.Redis;

namespace Doorbuster.LoadGen.Metrics;

/// <summary>
/// Counts the commands the Redis servers of <c>--redis-stats</c> have processed (<c>INFO stats</c>,
/// <c>total_commands_processed</c>, summed over the servers), so a report can say how many Redis commands an
/// operation costs. Its own <c>INFO</c> calls count too: two per window, nothing next to a run's thousands.
/// </summary>
public sealed class RedisCommandCounter : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _connection;

    private RedisCommandCounter(ConnectionMultiplexer connection) => _connection = connection;

    /// <summary>Connects to <paramref name="endpoints"/> (<c>host:port</c>, comma separated); <c>null</c> for none.</summary>
    public static async Task<RedisCommandCounter?> ConnectAsync(string? endpoints)
    {
        if (string.IsNullOrWhiteSpace(endpoints))
        {
            return null;
        }

        var options = ConfigurationOptions.Parse(endpoints);
        options.AbortOnConnectFail = true;
        options.AllowAdmin = true; // INFO is an admin command to StackExchange.Redis
        return new RedisCommandCounter(await ConnectionMultiplexer.ConnectAsync(options));
    }

    public async Task<long?> ReadAsync()
    {
        long total = 0;
        foreach (var endpoint in _connection.GetEndPoints())
        {
            var stats = await _connection.GetServer(endpoint).InfoAsync("stats");
            var processed = stats.SelectMany(group => group).FirstOrDefault(entry => entry.Key == "total_commands_processed");
            if (processed.Value is null)
            {
                return null;
            }

            total += long.Parse(processed.Value, CultureInfo.InvariantCulture);
        }

        return total;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
