using Doorbuster.Hosting;
using Doorbuster.ServiceDefaults.Redis;
using Doorbuster.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.TestingHost;

namespace Doorbuster.Tests.Hosting;

/// <summary>
/// A silo's start writes the membership table once, and Orleans gives the start up when that write fails. The
/// test cluster's three in-process silos once all failed to start on a busy two-core machine: the store had
/// answered that write, but the reply waited 2 s for the test process's thread pool, past the 1.5 s timeout of
/// the connection the request path uses (the timeout said so: the answer lay unread in the client's pipe).
/// </summary>
public sealed class SiloStartTests
{
    [Fact]
    public async Task ASiloStartsWhenItsFirstMembershipWriteIsAnsweredLaterThanARequestCouldWait()
    {
        // Arrange: the reply to the silo's first membership write comes 2.5 s late — longer than the 1.5 s a
        // request's Redis call may take, shorter than the start's patience.
        await using var store = await TestStore.StartAsync();
        await using var proxy = TcpFaultProxy.Start(store.Port);
        var lateReply = TimeSpan.FromSeconds(2.5);
        Assert.InRange(lateReply, RedisConnection.DefaultTimeout, Doorbuster.Hosting.RedisSiloBuilderExtensions.MembershipTimeout);
        var delayed = proxy.DelayTheReplyToAsync("/members/", lateReply);
        var builder = new TestClusterBuilder(1);
        builder.Properties["ConnectionStrings:Redis"] = proxy.ConnectionString;
        builder.Options.UseTestClusterMembership = false;
        builder.AddSiloBuilderConfigurator<SiloOnTheProxy>();
        builder.AddClientBuilderConfigurator<ClientOnTheProxy>();
        await using var cluster = builder.Build();

        // Act
        await cluster.DeployAsync();

        // Assert: the late reply was the one the start waited for, and the silo serves.
        await delayed.WaitAsync(TimeSpan.FromSeconds(5));
        var hosts = await cluster.GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Single(hosts);
    }

    private sealed class SiloOnTheProxy : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var redis = silo.Configuration.GetConnectionString("Redis")!;
            silo.Services.AddRedisConnection(redis);
            silo.UseDoorbusterRedis(redis).AddDoorbusterGrains();
        }
    }

    private sealed class ClientOnTheProxy : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client) =>
            client.UseRedisClustering(configuration.GetConnectionString("Redis")!);
    }
}
