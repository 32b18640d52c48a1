namespace Doorbuster.Tests.Infrastructure;

/// <summary>Signals from a batch of running operations, for tests that must act while some are still in flight.</summary>
public static class Completions
{
    /// <summary>
    /// Starts <paramref name="act"/> the moment <paramref name="count"/> of <paramref name="tasks"/> have finished
    /// (however they finished), on the thread that finished the last of them, and answers how many were still
    /// unfinished as it started. Acting there rather than in the awaiting test leaves no gap: group commit can
    /// answer hundreds of operations with one write, and a test's continuation that ran even a few milliseconds
    /// late found all of them finished (a fault test that killed a silo after everything was done, once in CI).
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
