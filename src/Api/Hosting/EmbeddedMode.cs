using System.Net;
using System.Security.Cryptography;
using Doorbuster.Api.Carts;
using Doorbuster.Hosting;
using Doorbuster.ServiceDefaults.Admin;
using Doorbuster.ServiceDefaults.EmbeddedStore;
using Doorbuster.ServiceDefaults.Redis;
using Orleans.Configuration;

namespace Doorbuster.Api.Hosting;

/// <summary>
/// Embedded mode: the whole system in this process. An in-process Redis-protocol store (Garnet), durable in
/// a data folder unless <c>--in-memory</c>; a silo on it with the very providers of cluster mode (Redis
/// membership, grain storage, reminders, the inventory store); generated keys where none are configured;
/// and the demo catalog, seeded once.
/// </summary>
/// <remarks>
/// This is the one place where the Api uses the grain implementations (the Doorbuster.Grains reference
/// exists for it); in cluster mode the Api only talks to the grain interfaces.
/// </remarks>
public static class EmbeddedMode
{
    /// <summary>The command-line switch for a throwaway run.</summary>
    public const string InMemorySwitch = "--in-memory";

    /// <summary>
    /// Embedded mode is what runs when no Redis connection string is configured; one that is configured but
    /// blank fails the start (<see cref="RedisConnectionString.Read"/>).
    /// </summary>
    public static bool IsSelected(IConfiguration configuration) =>
        RedisConnectionString.Read(configuration) is null;

    /// <summary>Turns bare switches into configuration: <c>--in-memory</c> is <c>Embedded:InMemory=true</c>.</summary>
    public static string[] ExpandSwitches(string[] args) =>
        [.. args.Select(argument => argument == InMemorySwitch ? $"--{EmbeddedStoreOptions.SectionName}:{nameof(EmbeddedStoreOptions.InMemory)}=true" : argument)];

    public static WebApplicationBuilder AddEmbeddedMode(this WebApplicationBuilder builder)
    {
        var storeOptions = builder.Configuration.GetSection(EmbeddedStoreOptions.SectionName).Get<EmbeddedStoreOptions>() ?? new();
        // The host's logging does not exist yet: the store reports its own warnings to the console. Garnet's argument
        // parser warns that a logger was handed to it (so its own logging options are ignored): expected here, and
        // not what a newcomer's first run should open with.
        var store = EmbeddedRedisStore.Start(storeOptions, LoggerFactory.Create(logging => logging
            .AddSimpleConsole()
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("ArgParser", LogLevel.Error)));

        // Registered before the silo, so it stops after the silo has left the cluster through it.
        builder.Services.AddHostedService(services => new EmbeddedStoreLifetime(store, services.GetRequiredService<ILogger<EmbeddedStoreLifetime>>()));
        builder.Services.AddRedisConnection(store.ConnectionString);

        var siloPort = builder.Configuration.GetValue("Orleans:SiloPort", 11111);
        var gatewayPort = builder.Configuration.GetValue("Orleans:GatewayPort", 30000);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = ClusterIdentity.ClusterId(builder.Configuration);
                options.ServiceId = ClusterIdentity.ServiceId(builder.Configuration);
            });
            silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort);
            silo.UseDoorbusterRedis(store.ConnectionString);
            silo.AddDoorbusterGrains();
            silo.AddActivityPropagation();
        });

        var generatedAdminKey = string.IsNullOrEmpty(builder.Configuration["Admin:ApiKey"])
            ? Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant()
            : null;
        if (generatedAdminKey is not null)
        {
            builder.Services.PostConfigure<AdminOptions>(options => options.ApiKey = generatedAdminKey);
        }

        var signingKey = CartSigningKeyFile.LoadOrCreate(store.DataPath);
        builder.Services.PostConfigure<CartsOptions>(options => options.SigningKey ??= signingKey);
        builder.Services.AddHostedService(services => ActivatorUtilities.CreateInstance<DemoCatalogSeeder>(
            services, new DemoCatalogSeeder.EmbeddedFacts(generatedAdminKey)));
        return builder;
    }
}

/// <summary>Says loudly what embedded mode is, and stops the store after the silo.</summary>
internal sealed class EmbeddedStoreLifetime(EmbeddedRedisStore store, ILogger<EmbeddedStoreLifetime> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (store.DataPath is null)
        {
            logger.LogWarning(
                "EMBEDDED MODE (in memory): this single process hosts a silo and a Redis-protocol store on 127.0.0.1:{Port}. " +
                "Nothing is written to disk: everything is lost on exit.", store.Port);
        }
        else
        {
            logger.LogWarning(
                "EMBEDDED MODE: this single process hosts a silo and a Redis-protocol store on 127.0.0.1:{Port}, keeping its data in {DataPath}. " +
                "For more than one machine run Redis, src/Silo and src/Api with ConnectionStrings__Redis.", store.Port, store.DataPath);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        store.Dispose();
        return Task.CompletedTask;
    }
}
