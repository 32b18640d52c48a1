using Doorbuster.Persistence;
using StackExchange.Redis;

namespace Doorbuster.Tests.Persistence;

/// <summary>
/// The guarantee of <see cref="GroupCommit"/>, without a grain: run on one exclusive scheduler, as a grain's turns
/// are, with writes the test completes or fails by hand.
/// </summary>
public sealed class GroupCommitTests
{
    private readonly TaskScheduler _grainTurns = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
    private readonly List<TaskCompletionSource> _writes = [];
    private readonly List<Exception> _broken = [];
    private readonly List<int> _batches = [];
    private GroupCommit? _commit;

    private GroupCommit Commit => _commit ??= new GroupCommit(StartWrite, _broken.Add, _batches.Add);

    [Fact]
    public async Task ACallerIsAnsweredOnlyAfterTheWriteThatHoldsItsChangeAndChangesMadeMeanwhileShareTheNextWrite()
    {
        // Act: one change starts a write; three more arrive while it is in flight.
        var first = await OnGrainAsync(() => Commit.CommitAsync());
        var later = await OnGrainAsync(() => new[] { Commit.CommitAsync(), Commit.CommitAsync(), Commit.CommitAsync() });

        // Assert: nobody is answered before their write; the three share one write, which starts only after the first.
        Assert.Single(_writes);
        Assert.False(first.IsCompleted);
        await CompleteWriteAsync(0);
        await first;
        Assert.All(later, waiter => Assert.False(waiter.IsCompleted));
        await Eventually(() => _writes.Count == 2);
        await CompleteWriteAsync(1);
        await Task.WhenAll(later);
        Assert.Equal([1, 3], _batches);
        Assert.Equal(2, _writes.Count);
    }

    [Fact]
    public async Task AFailedWriteAnswersNoCallerSuccessAndBreaksTheCommitSoTheGrainReloads()
    {
        var inFlight = await OnGrainAsync(() => Commit.CommitAsync());
        var queued = await OnGrainAsync(() => Commit.CommitAsync());

        // Act: the write's answer is lost (a timeout after it was sent).
        await FailWriteAsync(0, new RedisTimeoutException("timed out", CommandStatus.Sent));

        // Assert: its caller may have been applied, the queued caller certainly was not, and every later call fails at once.
        var unknown = await Assert.ThrowsAsync<StoreUnavailableException>(() => inFlight);
        var notSent = await Assert.ThrowsAsync<StoreUnavailableException>(() => queued);
        Assert.True(unknown.MayHaveBeenApplied);
        Assert.False(notSent.MayHaveBeenApplied);
        Assert.Single(_broken);
        Assert.True(Commit.IsBroken);
        var later = await Assert.ThrowsAsync<StoreUnavailableException>(() => OnGrainAsync(() => Commit.CommitAsync()).Unwrap());
        Assert.False(later.MayHaveBeenApplied);
        Assert.Single(_writes);
        Assert.Empty(_batches);
    }

    [Fact]
    public async Task AWriteTheStoreRefusedTellsItsCallersTheirChangeWasNotApplied()
    {
        var refused = await OnGrainAsync(() => Commit.CommitAsync());

        await FailWriteAsync(0, new RedisServerException("DOORBUSTER-CONFLICT stock version 8, write expected 7"));

        Assert.False((await Assert.ThrowsAsync<StoreUnavailableException>(() => refused)).MayHaveBeenApplied);
    }

    [Fact]
    public async Task WaitingForWhatIsStoredWaitsForTheWriteInFlightAndNothingElse()
    {
        Assert.True((await OnGrainAsync(() => Commit.WhenStoredAsync())).IsCompleted);
        var change = await OnGrainAsync(() => Commit.CommitAsync());
        var stored = await OnGrainAsync(() => Commit.WhenStoredAsync());

        Assert.False(stored.IsCompleted);
        await CompleteWriteAsync(0);
        await Task.WhenAll(change, stored);
        Assert.Single(_writes);
    }

    private Task StartWrite()
    {
        var write = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _writes.Add(write);
        return write.Task;
    }

    private Task CompleteWriteAsync(int index) => OnGrainAsync(() => _writes[index].TrySetResult());

    private Task FailWriteAsync(int index, Exception failure) => OnGrainAsync(() => _writes[index].TrySetException(failure));

    /// <summary>Runs <paramref name="turn"/> as one turn on the grain's scheduler and hands back what it returned.</summary>
    private Task<T> OnGrainAsync<T>(Func<T> turn) => Task.Factory.StartNew(turn, CancellationToken.None, TaskCreationOptions.None, _grainTurns);

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the next write did not start");
            await Task.Delay(1);
        }
    }
}
