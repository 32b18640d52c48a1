namespace Doorbuster.Persistence;

/// <summary>
/// Group commit for one grain's state. Changes are applied to memory by the caller, which then awaits
/// <see cref="CommitAsync"/>: changes that arrive while a write is in flight ride on the next single write,
/// and every caller is answered only after the write that contains its change succeeded. Writes never
/// overlap, which also keeps the storage etag consistent.
/// </summary>
/// <remarks>
/// Not thread-safe by design: it runs on the grain's scheduler, one turn at a time. When a write fails,
/// every change in it and every change made since (which sits on top of it in memory) is failed together,
/// and <c>restore</c> puts the state back to what was last persisted before any caller hears about it.
/// </remarks>
public sealed class GroupCommit(Func<Task> write, Action restore, Action<int>? onBatchWritten = null)
{
    private List<TaskCompletionSource> _waiting = [];
    private bool _writing;

    /// <summary>True while a write is in flight.</summary>
    public bool IsWriting => _writing;

    /// <summary>Completes when the current in-memory state, including the caller's change, is stored.</summary>
    public Task CommitAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting.Add(done);
        if (!_writing)
        {
            _writing = true;
            _ = PumpAsync();
        }

        return done.Task;
    }

    private async Task PumpAsync()
    {
        try
        {
            while (_waiting.Count > 0)
            {
                var batch = _waiting;
                _waiting = [];
                try
                {
                    await write();
                }
                catch (Exception exception)
                {
                    // Everything waiting now was applied on top of the failed batch: none of it may be acknowledged.
                    batch.AddRange(_waiting);
                    _waiting = [];
                    restore();
                    var failure = exception as StoreUnavailableException
                        ?? new StoreUnavailableException("The change could not be stored; it was not applied.", exception);
                    foreach (var waiter in batch)
                    {
                        waiter.TrySetException(failure);
                    }

                    continue;
                }

                onBatchWritten?.Invoke(batch.Count);
                foreach (var waiter in batch)
                {
                    waiter.TrySetResult();
                }
            }
        }
        finally
        {
            _writing = false;
        }
    }
}
