using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Doorbuster.ServiceDefaults;

/// <summary>Ready only while Redis answers a PING: without it nothing can be acknowledged.</summary>
public sealed class RedisReadinessCheck(SharedRedisConnection redis) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = await redis.GetAsync().WaitAsync(Timeout, cancellationToken);
            var latency = await connection.GetDatabase().PingAsync().WaitAsync(Timeout, cancellationToken);
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:F1} ms.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("Redis does not answer.", exception);
        }
    }
}
