using Doorbuster.ServiceDefaults.Redis;
using Doorbuster.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

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

    private static int MinimumWorkerThreads()
    {
        ThreadPool.GetMinThreads(out var workers, out _);
        return workers;
    }
}
