using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Doorbuster.ServiceDefaults.Redis;

/// <summary>
/// Ready only while the Redis primary answers a PING: without it nothing can be acknowledged. Only the primary:
/// a replica that is still connected once the primary is gone (under Sentinels, until one is promoted) answers
/// a PING sent with the default flags, while every write fails.
/// </summary>
public sealed class RedisReadinessCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync(CommandFlags.DemandMaster).WaitAsync(Timeout, cancellationToken);
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:F1} ms.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("The Redis primary does not answer.", exception);
        }
    }
}
