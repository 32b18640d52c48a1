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
    /// The command timeout of the membership table's connection. A silo's start writes the table once and gives up the
    /// start when that one write fails — Orleans does not retry it — so the write gets the patience of a start (a busy
    /// machine, a store just started), not the 1.5 s a request can spare. Orleans' other membership calls retry
    /// or run on timers; none of them is on a request's path.
    /// </summary>
    public static readonly TimeSpan MembershipTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Membership, grain state, reminders, the inventory's stock, carts and orders in Redis. Grain state, reminders and
    /// the stores share the process's one <see cref="IConnectionMultiplexer"/> (which the host registers); membership
    /// has a connection of its own (<see cref="MembershipConnection"/>). Carts expire when idle
    /// (<see cref="StorageNames.CartExpiry"/>) and settled orders after their retention
    /// (<see cref="OrdersOptions.Retention"/>), by Redis' own key expiry, so Redis stays bounded.
    /// </summary>
    public static ISiloBuilder UseDoorbusterRedis(this ISiloBuilder silo, string connectionString)
    {
        var configuration = ConfigurationOptions.Parse(connectionString);
        silo.UseRedisClustering(options => options.ConfigurationOptions = MembershipConnection(configuration));

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

    /// <summary>
    /// The membership table's own connection (Orleans opens it and disposes of it), with <see cref="MembershipTimeout"/>.
    /// Its own, too, so that a silo's liveness writes and table reads never queue behind the grains' traffic of a
    /// flash sale on the shared connection. It reconnects as soon after an outage as the shared connection does.
    /// </summary>
    private static ConfigurationOptions MembershipConnection(ConfigurationOptions configuration)
    {
        var options = configuration.Clone();
        options.AbortOnConnectFail = false;
        options.ClientName = "doorbuster-membership";
        var timeout = (int)MembershipTimeout.TotalMilliseconds;
        options.AsyncTimeout = Math.Max(options.AsyncTimeout, timeout);
        options.SyncTimeout = Math.Max(options.SyncTimeout, timeout);
        options.ReconnectRetryPolicy = new ExponentialRetry(deltaBackOffMilliseconds: 250, maxDeltaBackOffMilliseconds: 2000);
        return options;
    }
}
