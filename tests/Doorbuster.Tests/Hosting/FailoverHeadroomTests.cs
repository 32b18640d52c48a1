using Doorbuster.ServiceDefaults.Redis;
using Doorbuster.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Doorbuster.Tests.Hosting;

/// <summary>The thread-pool minimum is process-wide: nothing else may raise or restore it while these run.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadPoolMinimumCollection
{
    public const string Name = "thread-pool-minimum";
}

[Collection(ThreadPoolMinimumCollection.Name)]
public sealed class FailoverHeadroomTests
{
    [Fact]
    public async Task RaisesTheThreadPoolMinimumWhileConnectionsFailAndRestoresItOnceNoneHasFailedForTheCalmPeriod()
    {
        // Arrange
        var normalWorkers = MinimumWorkerThreads();
        ThreadPool.GetMinThreads(out _, out var normalCompletionPorts);
        using var headroom = new FailoverHeadroom(NullLogger<FailoverHeadroom>.Instance, calm: TimeSpan.FromSeconds(2));

        // Act: a failure, and another before the calm period is over.
        headroom.ConnectionFailed();
        await Task.Delay(300);
        headroom.ConnectionFailed();
        await Task.Delay(300);

        // Assert: raised throughout (the calm period is long enough for a slow machine's delays), the normal
        // minimum once 2 s passed without a failure.
        ThreadPool.GetMinThreads(out var raisedWorkers, out var raisedCompletionPorts);
        Assert.Equal(Math.Max(normalWorkers, FailoverHeadroom.MinimumWorkerThreads), raisedWorkers);
        Assert.Equal(normalCompletionPorts, raisedCompletionPorts);
        await Eventually.ReturnsAsync(
            () => Task.FromResult(MinimumWorkerThreads()),
            workers => workers == normalWorkers,
            TimeSpan.FromSeconds(10),
            "the thread-pool minimum did not come back to normal");
    }

    [Fact]
    public async Task KeepsTheThreadPoolMinimumRaisedWhileTheStoreStaysDownPastTheCalmPeriodAndRestoresItOnceItIsBack()
    {
        // Arrange: the process's Redis connection, as the hosts register it, on a real store; a calm period of 1 s.
        var normalWorkers = MinimumWorkerThreads();
        var raised = Math.Max(normalWorkers, FailoverHeadroom.MinimumWorkerThreads);
        await using var store = await TestStore.StartAsync();
        using var headroom = new FailoverHeadroom(NullLogger<FailoverHeadroom>.Instance, calm: TimeSpan.FromSeconds(1));
        var services = new ServiceCollection().AddLogging().AddSingleton(headroom);
        services.AddRedisConnection(store.ConnectionString);
        await using var provider = services.BuildServiceProvider();
        var redis = provider.GetRequiredService<IConnectionMultiplexer>();
        await redis.GetDatabase().PingAsync();

        // Act: the store is down for four calm periods.
        await store.StopAsync();
        await Eventually.ReturnsAsync(
            () => Task.FromResult(MinimumWorkerThreads()),
            workers => workers == raised,
            TimeSpan.FromSeconds(10),
            "the thread-pool minimum to be raised once the store is gone");
        await Task.Delay(TimeSpan.FromSeconds(4));
        var duringTheOutage = MinimumWorkerThreads();
        await store.StartAgainAsync();

        // Assert: raised through the outage (only one failure per connection was reported, at its start), the
        // normal minimum once the store is back.
        Assert.True(duringTheOutage == raised, $"The thread-pool minimum was {duringTheOutage} worker threads 4 s into the outage, not {raised}.");
        await Eventually.ReturnsAsync(
            () => Task.FromResult(MinimumWorkerThreads()),
            workers => workers == normalWorkers,
            TimeSpan.FromSeconds(15),
            "the thread-pool minimum to come back to normal once the store is back");
    }

    private static int MinimumWorkerThreads()
    {
        ThreadPool.GetMinThreads(out var workers, out _);
        return workers;
    }
}
