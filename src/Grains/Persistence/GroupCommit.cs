namespace Doorbuster.Persistence;

/// <summary>
/// Group commit for one grain's state. A caller applies its change to memory in one synchronous step and
/// then awaits <see cref="CommitAsync"/>: changes that arrive while a write is in flight ride together on
/// the next single write, and every caller is answered only after the write that holds its change
/// succeeded. Writes never overlap, so the store's version check sees them in order.
/// </summary>
/// <remarks>
/// When a write fails, the callers of that batch are told that their change may have been applied (unless
/// the store proves it was not), every caller queued behind it is told that its change was not applied
/// (it was never sent), and the commit breaks for good: memory no longer matches the store, so the grain
/// must drop its activation and let the next one re-read. Not thread-safe by design: it runs on the grain's
/// scheduler, one turn at a time.
/// </remarks>
public sealed class GroupCommit(Func<Task> write, Action<Exception> onBroken, Action<int>? onBatchWritten = null)
{
    private List<TaskCompletionSource> _next = [];
    private List<TaskCompletionSource>? _inFlight;
    private bool _dirty;
    private bool _writing;
    private StoreUnavailableException? _broken;

    /// <summary>True once a write failed; every later call fails at once.</summary>
    public bool IsBroken => _broken is not null;

    /// <summary>Throws when the commit is broken, before a caller changes memory that can no longer be stored.</summary>
    public void ThrowIfBroken()
    {
        if (_broken is not null)
        {
            throw new StoreUnavailableException(
                mayHaveBeenApplied: false, "The grain is reloading its state after a failed write; nothing was changed. Retry shortly.", _broken);
        }
    }

    /// <summary>Completes when the caller's change, just applied to memory, is stored.</summary>
    public Task CommitAsync()
    {
        ThrowIfBroken();
        _dirty = true;
        var done = Enlist(_next);
        if (!_writing)
        {
            _writing = true;
            _ = PumpAsync();
        }

        return done;
    }

    /// <summary>Completes when everything in memory now is stored (at once when nothing is pending).</summary>
    public Task WhenStoredAsync()
    {
        ThrowIfBroken();
        if (_dirty)
        {
            return Enlist(_next);
        }

        return _inFlight is { } inFlight ? Enlist(inFlight) : Task.CompletedTask;
    }

    private static Task Enlist(List<TaskCompletionSource> waiters)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        waiters.Add(done);
        return done.Task;
    }

    private async Task PumpAsync()
    {
        try
        {
            while (_dirty)
            {
                var batch = _next;
                _next = [];
                _inFlight = batch;
                _dirty = false;
                try
                {
                    await write();
                }
                catch (Exception exception)
                {
                    Break(batch, exception);
                    return;
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
            _inFlight = null;
            _writing = false;
        }
    }

    private void Break(List<TaskCompletionSource> batch, Exception exception)
    {
        var failure = StoreFailures.Classify(exception);
        _broken = failure;
        foreach (var waiter in batch)
        {
            waiter.TrySetException(failure);
        }

        var notSent = new StoreUnavailableException(mayHaveBeenApplied: false, "The change was not stored: an earlier write failed; nothing was changed.", exception);
        foreach (var waiter in _next)
        {
            waiter.TrySetException(notSent);
        }

        _next = [];
        _dirty = false;
        onBroken(exception);
    }
}
