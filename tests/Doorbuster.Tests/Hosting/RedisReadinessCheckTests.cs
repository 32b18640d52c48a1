using Doorbuster.ServiceDefaults.Redis;
using Doorbuster.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Doorbuster.Tests.Hosting;

/// <summary>
/// Readiness says whether writes can be acknowledged, so it asks the primary. A client that knows a replica too
/// (through Sentinels, or a connection string naming both) still has the replica connected when the primary dies,
/// and the replica answers whatever is not sent to the primary alone. A replica needs redis-server (Garnet
/// replicates only in cluster mode): the runs against redis-server keep one (CI runs them); the default run,
/// which needs only the SDK, checks the primary alone.
/// </summary>
public sealed class RedisReadinessCheckTests
{
    [Fact]
    public async Task RedisIsNotReadyWhenThePrimaryIsGoneEvenThoughAReplicaStillAnswers()
    {
        if (TestStore.Kind == "garnet")
        {
            await ThePrimaryAloneAsync();
            return;
        }

        // Arrange: a redis-server primary and a replica of it, both in the connection string.
        using var folder = new TemporaryFolder();
        int primaryPort = FreePorts.Next(), replicaPort = FreePorts.Next();
        StoreProcess? primary = StoreProcess.Start(RedisServer.StartInfo(folder.Sub("primary"), primaryPort, durable: false));
        var replica = StoreProcess.Start(RedisServer.StartInfo(folder.Sub("replica"), replicaPort, durable: false, "--replicaof", "127.0.0.1", primaryPort.ToString()));
        try
        {
            await Eventually.ReturnsAsync(
                () => RedisServer.CliAsync(replicaPort, "info", "replication"),
                info => info.Contains("master_link_status:up", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30),
                "the replica's first synchronisation with the primary");
            await using var redis = await ConnectionMultiplexer.ConnectAsync(
                RedisConnection.ParseOptions($"127.0.0.1:{primaryPort},127.0.0.1:{replicaPort}"));
            var check = new RedisReadinessCheck(redis);
            Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

            await primary.KillAsync();
            primary = null;
            var primaryServer = redis.GetServer($"127.0.0.1:{primaryPort}");
            await Eventually.ReturnsAsync(
                () => Task.FromResult(primaryServer.IsConnected),
                connected => !connected,
                TimeSpan.FromSeconds(10),
                "the client to notice that the primary is gone");

            // Act
            var readiness = await check.CheckHealthAsync(new HealthCheckContext());

            // Assert: not ready, while the replica does answer a plain PING.
            await redis.GetDatabase().PingAsync();
            Assert.True(readiness.Status == HealthStatus.Unhealthy, $"Readiness was {readiness.Status} ({readiness.Description}) without a primary.");
        }
        finally
        {
            await replica.KillAsync();
            if (primary is not null)
            {
                await primary.KillAsync();
            }
        }
    }

    /// <summary>Ready while the one server answers, not ready once it is gone.</summary>
    private static async Task ThePrimaryAloneAsync()
    {
        await using var store = await TestStore.StartAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnection.ParseOptions(store.ConnectionString));
        var check = new RedisReadinessCheck(redis);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        await store.StopAsync();
        var readiness = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.True(readiness.Status == HealthStatus.Unhealthy, $"Readiness was {readiness.Status} ({readiness.Description}) without the store.");
    }

    private sealed class TemporaryFolder : IDisposable
    {
        private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("doorbuster-readiness-");

        public string Sub(string name) => _root.CreateSubdirectory(name).FullName;

        public void Dispose() => _root.Delete(recursive: true);
    }
}
