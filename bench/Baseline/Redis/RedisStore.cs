using Doorbuster.Baseline.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Doorbuster.Baseline.Redis;

/// <summary>
/// The one Redis connection of the process (a multiplexer, shared by every request) and the key names.
/// It connects at start-up and keeps reconnecting in the background while Redis is away; meanwhile every
/// command fails within <see cref="BaselineOptions.RedisTimeout"/>.
/// </summary>
public sealed class RedisStore : IDisposable
{
    public const string DefaultConnectionString = "127.0.0.1:6379";

    private readonly ConnectionMultiplexer _connection;

    public RedisStore(IConfiguration configuration, IOptions<BaselineOptions> options, ILogger<RedisStore> logger)
    {
        var connectionString = configuration.GetConnectionString("Redis");
        var redis = ConfigurationOptions.Parse(string.IsNullOrWhiteSpace(connectionString) ? DefaultConnectionString : connectionString);
        redis.AbortOnConnectFail = false;
        redis.AsyncTimeout = redis.SyncTimeout = (int)options.Value.RedisTimeout.TotalMilliseconds;

        // Timeouts are noticed on the heartbeat (1 s by default): a finer one keeps a 503 within the contract's 2 s.
        redis.HeartbeatInterval = TimeSpan.FromMilliseconds(250);

        // While disconnected, fail at once (503) instead of queuing commands until they time out.
        redis.BacklogPolicy = BacklogPolicy.FailFast;
        _connection = ConnectionMultiplexer.Connect(redis);
        logger.LogInformation(
            "Redis {Endpoints}: {State}; keys under '{Prefix}'",
            string.Join(",", redis.EndPoints),
            _connection.IsConnected ? "connected" : "not reachable yet, retrying in the background",
            options.Value.KeyPrefix);

        Database = _connection.GetDatabase();
        Keys = new RedisKeys(options.Value.KeyPrefix);
    }

    public IDatabase Database { get; }

    public RedisKeys Keys { get; }

    public void Dispose() => _connection.Dispose();
}
