using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Doorbuster.ServiceDefaults.Redis;

/// <summary>
/// One Redis connection per process, shared by Orleans' grain storage and reminders, the inventory and
/// checkout stores, the readiness check and tracing (a silo's membership table has its own, more patient one).
/// With one server or a Redis Cluster it does not fail the start: when Redis is down it keeps reconnecting in the
/// background, and every call made meanwhile fails within the timeouts below. Through Sentinels it can:
/// StackExchange.Redis connects only once a Sentinel names a primary that answers as one, and otherwise throws,
/// whatever <c>abortConnect</c> says, so what first resolves the connection fails with it.
/// </summary>
public static class RedisConnection
{
    /// <summary>
    /// Command and sync timeouts applied when the connection string sets none: a request must be answered
    /// within 2 s while Redis is away, so no single Redis call may hold it longer than that.
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMilliseconds(1500);

    /// <summary>The patience of a (re)connection when the connection string sets none: a busy start is not an outage.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The first wait before reconnecting to a lost store; it doubles up to <see cref="LongestReconnectBackoff"/>.</summary>
    public static readonly TimeSpan ReconnectBackoff = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest wait between reconnection attempts.</summary>
    public static readonly TimeSpan LongestReconnectBackoff = TimeSpan.FromSeconds(2);

    public static ConfigurationOptions ParseOptions(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        var timeout = (int)DefaultTimeout.TotalMilliseconds;
        if (!Sets(connectionString, "connectTimeout"))
        {
            options.ConnectTimeout = (int)DefaultConnectTimeout.TotalMilliseconds;
        }

        if (!Sets(connectionString, "asyncTimeout"))
        {
            options.AsyncTimeout = timeout;
        }

        if (!Sets(connectionString, "syncTimeout"))
        {
            options.SyncTimeout = timeout;
        }

        // Reconnect soon after the store is back, not on StackExchange.Redis' default backoff (from ConnectTimeout / 2,
        // doubling to 10 s): after a Sentinel failover the next attempt could come 5-10 s after the new primary was
        // ready, and the store-failover test measured up to 11.1 s without a write. Attempts stay at most 2 s apart.
        options.ReconnectRetryPolicy = new ExponentialRetry((int)ReconnectBackoff.TotalMilliseconds, (int)LongestReconnectBackoff.TotalMilliseconds);

        return options;
    }

    /// <summary>Registers the process's Redis connection and its readiness check.</summary>
    public static IServiceCollection AddRedisConnection(this IServiceCollection services, string connectionString)
    {
        services.TryAddSingleton<FailoverHeadroom>();
        services.TryAddSingleton<IConnectionMultiplexer>(provider => Watch(
            ConnectionMultiplexer.Connect(ParseOptions(connectionString)),
            provider.GetRequiredService<ILoggerFactory>(),
            provider.GetRequiredService<FailoverHeadroom>()));
        if (!services.Any(service => service.ServiceType == typeof(RedisReadinessCheck)))
        {
            services.AddSingleton<RedisReadinessCheck>();
            services.AddHealthChecks().AddCheck<RedisReadinessCheck>(
                "redis", HealthStatus.Unhealthy, [ServiceDefaultsExtensions.ReadyTag], RedisReadinessCheck.Timeout);
        }

        return services;
    }

    /// <summary>
    /// Says in the log when a connection to a Redis node is lost and restored, and when the topology changes
    /// (a Sentinel promoting a replica): the first thing to know when writes answer 503, and how long it lasted.
    /// While connections fail, the thread pool gets the headroom a failover needs (<see cref="FailoverHeadroom"/>).
    /// </summary>
    private static ConnectionMultiplexer Watch(ConnectionMultiplexer redis, ILoggerFactory loggers, FailoverHeadroom headroom)
    {
        var logger = loggers.CreateLogger(typeof(RedisConnection).FullName!);
        headroom.Follow(redis);
        redis.ConnectionFailed += (_, failed) => logger.LogWarning(
            failed.Exception, "Lost the {ConnectionType} connection to Redis at {EndPoint}: {FailureType}", failed.ConnectionType, failed.EndPoint, failed.FailureType);
        redis.ConnectionRestored += (_, restored) => logger.LogInformation(
            "Restored the {ConnectionType} connection to Redis at {EndPoint}", restored.ConnectionType, restored.EndPoint);
        redis.ConfigurationChanged += (_, changed) => logger.LogInformation(
            "The Redis topology changed at {EndPoint} (a failover or a node's new role)", changed.EndPoint);
        return redis;
    }

    /// <summary>
    /// Whether the connection string sets <paramref name="option"/>, read as StackExchange.Redis reads it: comma
    /// separated, the key before the first '=' and trimmed, in any case. (A substring would find "syncTimeout="
    /// inside "asyncTimeout=".)
    /// </summary>
    private static bool Sets(string connectionString, string option) =>
        connectionString.Split(',').Any(part =>
            part.IndexOf('=', StringComparison.Ordinal) is > 0 and var equals
            && part[..equals].Trim().Equals(option, StringComparison.OrdinalIgnoreCase));
}
