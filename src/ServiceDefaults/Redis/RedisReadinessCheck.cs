using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Doorbuster.ServiceDefaults.Redis;

/// <summary>Ready only while Redis answers a PING: without it nothing can be acknowledged.</summary>
public sealed class RedisReadinessCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync().WaitAsync(Timeout, cancellationToken);
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:F1} ms.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("Redis does not answer.", exception);
        }
    }
}
