namespace Doorbuster.Tests.Infrastructure;

/// <summary>Signals from a batch of running operations, for tests that must act while some are still in flight.</summary>
public static class Completions
{
    /// <summary>
    /// Starts <paramref name="act"/> the moment <paramref name="count"/> of <paramref name="tasks"/> have finished
    /// (however they finished), on the thread that finished the last of them, and answers how many were still
    /// unfinished as it started: acting there rather than in the awaiting test leaves no scheduling gap between
    /// the count and the act. It cannot keep the rest unfinished: operations that end in one burst (group commit
    /// answers hundreds with one write) must be paced by the test itself, as the hot-sku crash test does.
    /// </summary>
    public static async Task<int> WhenAnyNumberThenAsync<T>(IReadOnlyCollection<Task<T>> tasks, int count, Func<Task> act)
    {
        var started = new TaskCompletionSource<Task<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = 0;
        foreach (var task in tasks)
        {
            _ = task.ContinueWith(
                _ =>
                {
                    if (Interlocked.Increment(ref finished) == count)
                    {
                        started.TrySetResult(ActAsync());
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        return await await started.Task;

        async Task<int> ActAsync()
        {
            var unfinished = tasks.Count(t => !t.IsCompleted);
            await act();
            return unfinished;
        }
    }
}
