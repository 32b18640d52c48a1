extern alias silo;

using Doorbuster.Hosting;
using silo::Doorbuster.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// A three-silo test cluster whose membership, grain state and reminders live in a real Redis (so any
/// silo may be killed, as in production), shared by the tests
/// of the <see cref="ClusterCollection"/>. Tests use fresh grain keys. The payment window is short so
/// that expiry can be observed.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    /// <summary>The payment window of checkouts on this cluster.</summary>
    public virtual TimeSpan PaymentWindow => TimeSpan.FromSeconds(3);

    public RedisServer Redis { get; private set; } = null!;

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        var builder = new TestClusterBuilder(3);
        builder.Properties["ConnectionStrings:Redis"] = Redis.ConnectionString;
        builder.Properties["Checkout:PaymentWindow"] = PaymentWindow.ToString();
        builder.Options.UseTestClusterMembership = false;
        builder.AddSiloBuilderConfigurator<RedisSiloConfigurator>();
        builder.AddClientBuilderConfigurator<RedisClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Redis.DisposeAsync();
    }

    private sealed class RedisSiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var redis = silo.Configuration.GetConnectionString("Redis")!;
            silo.UseRedisClustering(redis);
            silo.AddDoorbusterRedisStorage(redis)
                .AddDoorbusterRedisReminders(redis)
                .AddDoorbusterGrains();
        }
    }

    private sealed class RedisClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client)
        {
            client.UseRedisClustering(configuration.GetConnectionString("Redis")!);
            client.Configure<GatewayOptions>(options => options.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
        }
    }
}

/// <summary>A cluster whose orders do not expire during a test, for crash tests that count reservations.</summary>
public sealed class LongWindowClusterFixture : ClusterFixture
{
    public override TimeSpan PaymentWindow => TimeSpan.FromMinutes(10);
}

[CollectionDefinition(Name)]
public sealed class LongWindowClusterCollection : ICollectionFixture<LongWindowClusterFixture>
{
    public const string Name = "cluster-long-window";
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
