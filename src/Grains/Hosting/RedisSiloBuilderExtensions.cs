using Doorbuster.Inventory;
using Doorbuster.Orders;
using Doorbuster.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Persistence;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;

namespace Doorbuster.Hosting;

public static class RedisSiloBuilderExtensions
{
    /// <summary>
    /// Membership, grain state, reminders, the inventory's stock, carts and orders in Redis, all over the process's one
    /// <see cref="IConnectionMultiplexer"/> (which the host registers). Carts expire when idle
    /// (<see cref="StorageNames.CartExpiry"/>) and settled orders after their retention
    /// (<see cref="OrdersOptions.Retention"/>), by Redis' own key expiry, so Redis stays bounded.
    /// </summary>
    public static ISiloBuilder UseDoorbusterRedis(this ISiloBuilder silo, string connectionString)
    {
        var configuration = ConfigurationOptions.Parse(connectionString);
        silo.UseRedisClustering(options => options.ConfigurationOptions = configuration);
        silo.Services.AddOptions<Orleans.Clustering.Redis.RedisClusteringOptions>().Configure<IServiceProvider>((options, services) =>
            options.CreateMultiplexer = _ => Task.FromResult((services.GetRequiredService<IConnectionMultiplexer>(), IsShared: true)));

        foreach (var name in StorageNames.All)
        {
            silo.AddRedisGrainStorage(name, options =>
            {
                options.ConfigurationOptions = configuration;
                options.DeleteStateOnClear = true;
            });
            silo.Services.AddOptions<RedisStorageOptions>(name).Configure<IServiceProvider>((options, services) =>
            {
                options.CreateMultiplexer = _ => Task.FromResult((services.GetRequiredService<IConnectionMultiplexer>(), IsShared: true));

                // Compact and fast; the states are [GenerateSerializer] types with stable ids.
                options.GrainStorageSerializer = new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>());
                options.EntryExpiry = name switch
                {
                    StorageNames.Carts => StorageNames.CartExpiry,
                    StorageNames.Orders => OrdersOptions.EntryExpiry(
                        services.GetRequiredService<IOptions<OrdersOptions>>().Value, services.GetRequiredService<IOptions<CheckoutOptions>>().Value),
                    _ => null,
                };
            });
        }

        silo.UseRedisReminderService(options => options.ConfigurationOptions = configuration);
        silo.Services.AddOptions<RedisReminderTableOptions>().Configure<IServiceProvider>((options, services) =>
            options.CreateMultiplexer = _ => Task.FromResult((services.GetRequiredService<IConnectionMultiplexer>(), IsShared: true)));

        silo.Services.AddOptions<DurabilityOptions>()
            .BindConfiguration(DurabilityOptions.SectionName)
            .Validate(o => o.ReplicasToAcknowledge >= 0 && o.ReplicaTimeout > TimeSpan.Zero, "Durability:ReplicasToAcknowledge must not be negative and Durability:ReplicaTimeout must be positive.")
            .ValidateOnStart();
        silo.Services.AddSingleton(services => ActivatorUtilities.CreateInstance<ReplicaAcknowledgement>(
            services, configuration, services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
        silo.Services.AddSingleton<RedisInventoryStore>();
        silo.Services.AddSingleton<CheckoutStore>();
        silo.Services.AddSingleton<Sales.SaleStore>();
        return silo;
    }
}
