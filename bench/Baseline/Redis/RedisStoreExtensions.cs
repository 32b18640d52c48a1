using Doorbuster.Baseline.Catalog;
using Doorbuster.Baseline.Hosting;
using Doorbuster.Baseline.Inventory;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Doorbuster.Baseline.Redis;

public static class RedisStoreExtensions
{
    /// <summary>The Redis connection, its readiness check and the stores of catalog and stock.</summary>
    public static WebApplicationBuilder AddRedisStore(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RedisStore>();
        builder.Services.AddSingleton<ProductStore>();
        builder.Services.AddSingleton<StockStore>();
        builder.Services.AddHealthChecks().AddCheck<RedisReadinessCheck>(
            "redis", HealthStatus.Unhealthy, [HealthEndpoints.ReadyTag], RedisReadinessCheck.Timeout);
        return builder;
    }
}
