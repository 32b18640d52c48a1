namespace Doorbuster.Tests.Infrastructure;

/// <summary>Signals from a batch of running operations, for tests that must act while some are still in flight.</summary>
public static class Completions
{
    /// <summary>Completes as soon as <paramref name="count"/> of <paramref name="tasks"/> have finished (however they finished).</summary>
    public static Task WhenAnyNumberAsync<T>(IReadOnlyCollection<Task<T>> tasks, int count)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = 0;
        foreach (var task in tasks)
        {
            _ = task.ContinueWith(
                _ =>
                {
                    if (Interlocked.Increment(ref finished) == count)
                    {
                        reached.TrySetResult();
                    }
                },
                TaskScheduler.Default);
        }

        return reached.Task;
    }
}
