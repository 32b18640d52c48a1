using System.Collections.Concurrent;
using Doorbuster.Hosting;
using Doorbuster.ServiceDefaults.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.TestingHost;
using StackExchange.Redis;

namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// A three-silo test cluster whose membership, grain state, reminders and stock live in a real
/// Redis-protocol store (<see cref="TestStore"/>), so any silo may be killed, as in production; shared by
/// the tests of a collection, which use fresh grain keys. Each silo's business clock is a
/// <see cref="FakeTimeProvider"/> the tests move by hand (payment windows and expiries are seconds of
/// test time, not minutes of waiting); Orleans itself runs on the real clock.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    private static readonly ConcurrentDictionary<string, ClusterClocks> s_clocks = new();
    private readonly string _scope = Guid.NewGuid().ToString("N");
    private IConnectionMultiplexer? _redis;

    /// <summary>The payment window of checkouts on this cluster.</summary>
    public virtual TimeSpan PaymentWindow => TimeSpan.FromMinutes(10);

    public TestStore Store { get; private set; } = null!;

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    /// <summary>A connection of the test's own to the store, for arranging what an earlier release wrote or a store lost.</summary>
    public IConnectionMultiplexer Redis => _redis ??= ConnectionMultiplexer.Connect(Store.ConnectionString);

    /// <summary>The services of a live silo (its storage providers, its reminder table).</summary>
    public IServiceProvider SiloServices => Cluster.Silos.OfType<InProcessSiloHandle>().First().SiloHost.Services;

    /// <summary>The business clock of each silo, by silo name.</summary>
    public ClusterClocks Clocks => s_clocks[_scope];

    public async Task InitializeAsync()
    {
        Store = await TestStore.StartAsync();
        s_clocks[_scope] = new ClusterClocks();
        Cluster = NewBuilder(3).Build();
        await Cluster.DeployAsync();
    }

    /// <summary>
    /// A second cluster of one silo over the same store and service: it activates the same grains a second
    /// time, as Orleans may briefly do while a silo fails (two activations of one grain, each with its own
    /// memory, over one stored state). Dispose it as soon as the test is done with it.
    /// </summary>
    public async Task<TestCluster> StartSecondActivationsAsync()
    {
        var builder = NewBuilder(1);
        builder.Options.ServiceId = Cluster.Options.ServiceId;
        builder.Options.ClusterId = $"second-{Guid.NewGuid():N}"[..20];
        var second = builder.Build();
        await second.DeployAsync();
        return second;
    }

    private TestClusterBuilder NewBuilder(short silos)
    {
        var builder = new TestClusterBuilder(silos);
        builder.Properties["ConnectionStrings:Redis"] = Store.ConnectionString;
        builder.Properties["Checkout:PaymentWindow"] = PaymentWindow.ToString();
        builder.Properties["Test:ClockScope"] = _scope;
        builder.Properties["Inventory:ReminderPeriod"] = "00:00:02";
        builder.Options.UseTestClusterMembership = false;
        builder.AddSiloBuilderConfigurator<RedisSiloConfigurator>();
        builder.AddClientBuilderConfigurator<RedisClientConfigurator>();
        return builder;
    }

    /// <summary>Brings the cluster back to three live silos after a test killed one (call it in <c>finally</c>).</summary>
    public async Task RepairAsync()
    {
        while (Cluster.Silos.Count < 3)
        {
            await Cluster.StartAdditionalSiloAsync();
        }

        await Cluster.WaitForLivenessToStabilizeAsync();
    }

    public async Task DisposeAsync()
    {
        _redis?.Dispose();
        await Cluster.DisposeAsync();
        await Store.DisposeAsync();
        s_clocks.TryRemove(_scope, out _);
    }

    private sealed class RedisSiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var redis = silo.Configuration.GetConnectionString("Redis")!;
            var clocks = s_clocks[silo.Configuration["Test:ClockScope"]!];
            silo.Services.AddKeyedSingleton<TimeProvider>(
                DomainClock.Key, (services, _) => clocks.For(services.GetRequiredService<IOptions<SiloOptions>>().Value.SiloName));
            silo.Services.AddRedisConnection(redis);
            silo.Configure<ReminderOptions>(options => options.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            silo.UseDoorbusterRedis(redis).AddDoorbusterGrains();
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

/// <summary>The business clocks of one cluster: one per silo, all moved together unless a test skews one.</summary>
public sealed class ClusterClocks
{
    private readonly ConcurrentDictionary<string, FakeTimeProvider> _bySilo = new();
    private readonly DateTimeOffset _start = DateTimeOffset.UtcNow;
    private TimeSpan _advanced;

    /// <summary>The clock of a silo; a silo started later joins at the cluster's current time.</summary>
    public FakeTimeProvider For(string siloName) => _bySilo.GetOrAdd(siloName, _ => new FakeTimeProvider(_start + _advanced));

    /// <summary>Moves every silo's clock forward.</summary>
    public void Advance(TimeSpan by)
    {
        _advanced += by;
        foreach (var clock in _bySilo.Values)
        {
            clock.Advance(by);
        }
    }

    /// <summary>After a test skewed some clocks: brings every clock to the latest one (fake clocks never go back).</summary>
    public void AlignToLatest()
    {
        var latest = _bySilo.Values.Select(clock => clock.GetUtcNow()).DefaultIfEmpty(Now).Max();
        foreach (var clock in _bySilo.Values)
        {
            clock.SetUtcNow(latest);
        }

        _advanced = latest - _start;
    }

    /// <summary>The current business time (of the silos that were not skewed).</summary>
    public DateTimeOffset Now => _start + _advanced;
}

/// <summary>A cluster whose orders do not expire during a test, for crash tests that count reservations.</summary>
public sealed class LongWindowClusterFixture : ClusterFixture
{
    public override TimeSpan PaymentWindow => TimeSpan.FromHours(1);
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
