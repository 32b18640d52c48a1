using Doorbuster.Hosting;
using Doorbuster.Persistence;
using Doorbuster.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Doorbuster.Api.Hosting;

public static class OrleansHostingExtensions
{
    /// <summary>
    /// Cluster mode (a Redis connection string is configured): the Api is a pure Orleans client that finds
    /// the gateways through Redis membership. Embedded mode (none): the Api hosts a silo of its own with
    /// in-memory storage and a demo catalog, for a one-command start with no servers.
    /// </summary>
    public static WebApplicationBuilder AddDoorbusterOrleans(this WebApplicationBuilder builder)
    {
        var redis = builder.Configuration.GetConnectionString("Redis");
        var clusterId = builder.Configuration["Orleans:ClusterId"] ?? "doorbuster";
        var serviceId = builder.Configuration["Orleans:ServiceId"] ?? "doorbuster";
        builder.Services.AddHealthChecks().AddCheck<ClusterReadinessCheck>(
            "orleans-cluster", HealthStatus.Unhealthy, [ServiceDefaultsExtensions.ReadyTag], ClusterReadinessCheck.Timeout);

        if (string.IsNullOrWhiteSpace(redis))
        {
            builder.AddEmbeddedSilo(clusterId, serviceId);
            return builder;
        }

        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = clusterId;
                options.ServiceId = serviceId;
            });
            client.UseRedisClustering(options => options.ConfigurationOptions = ConfigurationOptions.Parse(redis));

            // A dead silo's gateway leaves the list within seconds instead of the default minute.
            client.Configure<GatewayOptions>(options => options.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            client.UseConnectionRetryFilter<ConnectUntilClusterIsUp>();
            client.AddActivityPropagation();
        });
        return builder;
    }

    private static void AddEmbeddedSilo(this WebApplicationBuilder builder, string clusterId, string serviceId)
    {
        var siloPort = builder.Configuration.GetValue("Orleans:SiloPort", 11111);
        var gatewayPort = builder.Configuration.GetValue("Orleans:GatewayPort", 30000);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: serviceId, clusterId: clusterId);
            foreach (var name in StorageNames.All)
            {
                silo.AddMemoryGrainStorage(name);
            }

            silo.UseInMemoryReminderService();
            silo.AddDoorbusterGrains();
            silo.AddActivityPropagation();
        });
        builder.AddEmbeddedModeExtras();
    }
}
