using Doorbuster.Persistence;
using Doorbuster.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Persistence;
using StackExchange.Redis;

namespace Doorbuster.Silo.Hosting;

public static class RedisSiloBuilderExtensions
{
    /// <summary>
    /// Grain state in Redis: one provider per kind of grain, all sharing one connection. Carts get an entry
    /// expiry (an idle cart disappears after <see cref="StorageNames.CartExpiry"/>) and are deleted when cleared.
    /// </summary>
    public static ISiloBuilder AddDoorbusterRedisStorage(this ISiloBuilder silo, string connectionString)
    {
        silo.Services.TryAddSingleton(new SharedRedisConnection(connectionString));
        foreach (var name in StorageNames.All)
        {
            silo.AddRedisGrainStorage(name, options =>
            {
                options.ConfigurationOptions = ConfigurationOptions.Parse(connectionString);
                options.DeleteStateOnClear = true;
                if (name == StorageNames.Carts)
                {
                    options.EntryExpiry = StorageNames.CartExpiry;
                }
            });
            silo.Services.AddOptions<RedisStorageOptions>(name).Configure<SharedRedisConnection>((options, shared) =>
                options.CreateMultiplexer = async _ => (await shared.GetAsync(), IsShared: true));
        }

        return silo;
    }

    /// <summary>Reminders (reservation and payment expiry) in Redis, so they fire even after their silo died.</summary>
    public static ISiloBuilder AddDoorbusterRedisReminders(this ISiloBuilder silo, string connectionString) =>
        silo.UseRedisReminderService(options => options.ConfigurationOptions = ConfigurationOptions.Parse(connectionString));
}
