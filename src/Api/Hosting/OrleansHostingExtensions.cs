using Doorbuster.ServiceDefaults;
using Doorbuster.ServiceDefaults.Redis;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Doorbuster.Api.Hosting;

public static class OrleansHostingExtensions
{
    /// <summary>How long the Orleans client waits for any answer from the cluster.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Cluster mode (a Redis connection string is configured): the Api is a pure Orleans client that finds
    /// the gateways through Redis membership. Embedded mode (none): the Api hosts a silo and a Redis-protocol
    /// store of its own (<see cref="EmbeddedMode"/>), for a one-command start with no servers.
    /// </summary>
    public static WebApplicationBuilder AddDoorbusterOrleans(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks().AddCheck<ClusterReadinessCheck>(
            "orleans-cluster", HealthStatus.Unhealthy, [ServiceDefaultsExtensions.ReadyTag], ClusterReadinessCheck.Timeout);
        if (EmbeddedMode.IsSelected(builder.Configuration))
        {
            return builder.AddEmbeddedMode();
        }

        var redis = RedisConnectionString.Read(builder.Configuration)!;

        builder.Services.AddRedisConnection(redis);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = ClusterIdentity.ClusterId(builder.Configuration);
                options.ServiceId = ClusterIdentity.ServiceId(builder.Configuration);
            });
            client.UseRedisClustering(options => options.ConfigurationOptions = ConfigurationOptions.Parse(redis));
            client.Services.AddOptions<Orleans.Clustering.Redis.RedisClusteringOptions>().Configure<IServiceProvider>((options, services) =>
                options.CreateMultiplexer = _ => Task.FromResult((services.GetRequiredService<IConnectionMultiplexer>(), IsShared: true)));

            // A dead silo's gateway leaves the list within seconds instead of the default minute.
            client.Configure<GatewayOptions>(options => options.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));

            // A call stuck behind an outage is given up in seconds, not Orleans' default 30: the client's own
            // calls (the cluster manifest among them) must not keep it unready long after Redis is back.
            client.Configure<ClientMessagingOptions>(options => options.ResponseTimeout = ResponseTimeout);
            client.UseConnectionRetryFilter<ConnectUntilClusterIsUp>();
            client.AddActivityPropagation();
        });
        return builder;
    }
}
