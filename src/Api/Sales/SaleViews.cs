using System.Collections.Concurrent;
using Doorbuster.Api.FrontDoor;
using Doorbuster.Sales;

namespace Doorbuster.Api.Sales;

/// <summary>
/// What this Api knows of each sale, so that 50,000 shoppers polling their tickets cost no grain call each: a
/// <see cref="SaleSnapshot"/> at most <see cref="MaxAge"/> old, fetched by one request while the others wait for
/// it or use the one before. Joins are batched: while one batch is with the sale grain, the next one gathers.
/// </summary>
/// <remarks>
/// During an outage a snapshot already held keeps answering polls (its admissions do not advance, which is
/// what the sale itself does then); a sale never seen answers 503.
/// </remarks>
public sealed class SaleViews(IGrainFactory grains, ClusterBoundary cluster, TimeProvider time, ILogger<SaleViews> logger)
{
    /// <summary>How old a snapshot may be: with the sale's half-second step, sold out reaches every poll within about a second.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(500);

    /// <summary>The most joins one call to the sale grain carries.</summary>
    private const int MaxJoinBatch = 1_000;

    private readonly ConcurrentDictionary<string, View> _views = new(StringComparer.Ordinal);

    /// <summary>The sales this Api has answered for, for the sale metrics.</summary>
    public IEnumerable<SaleSnapshot> Known => _views.Values.Select(view => view.Snapshot).OfType<SaleSnapshot>();

    /// <summary>The sale, at most <see cref="MaxAge"/> old; <c>null</c> when it does not exist.</summary>
    public async Task<SaleSnapshot?> GetAsync(string saleId, CancellationToken cancellationToken)
    {
        var view = _views.GetOrAdd(saleId, static _ => new View());
        var held = view.Snapshot;
        if (held is not null && time.GetUtcNow() - view.FetchedAt <= MaxAge)
        {
            return held;
        }

        Task<SaleSnapshot?> fetching;
        lock (view)
        {
            fetching = view.Fetching ??= FetchAsync(saleId, view);
        }

        try
        {
            // Someone else's fetch, or ours: a poll never waits longer than the request's own budget for it.
            var snapshot = await fetching.WaitAsync(cancellationToken);
            if (snapshot is null)
            {
                _views.TryRemove(new KeyValuePair<string, View>(saleId, view));
            }

            return snapshot;
        }
        catch (Exception exception) when (held is not null && exception is not OperationCanceledException)
        {
            logger.LogDebug(exception, "Sale {SaleId} answered from its last snapshot", saleId);
            return held;
        }
    }

    /// <summary>Keeps a snapshot the sale grain answered with (a definition, an end, a join), when it is newer.</summary>
    public void Remember(SaleSnapshot? snapshot)
    {
        if (snapshot is null)
        {
            return;
        }

        var view = _views.GetOrAdd(snapshot.SaleId, static _ => new View());
        lock (view)
        {
            if (view.Snapshot is null || snapshot.AsOf >= view.Snapshot.AsOf)
            {
                (view.Snapshot, view.FetchedAt) = (snapshot, time.GetUtcNow());
            }
        }
    }

    /// <summary>
    /// Has the next read of every sale fetch it again: a checkout just used a ticket (of a sale the Api cannot tell
    /// from the ticket alone), and its shopper should read it used at once. Sales running at once are few.
    /// </summary>
    public void ForgetAges()
    {
        foreach (var view in _views.Values)
        {
            lock (view)
            {
                view.FetchedAt = DateTimeOffset.MinValue;
            }
        }
    }

    /// <summary>Joins the sale for <paramref name="client"/>, in a batch with whoever else joins meanwhile.</summary>
    public Task<(JoinResult Result, int Index)> JoinAsync(string saleId, string client, CancellationToken cancellationToken)
    {
        var view = _views.GetOrAdd(saleId, static _ => new View());
        var joined = new TaskCompletionSource<(JoinResult, int)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var start = false;
        lock (view)
        {
            view.Joining.Add((client, joined));
            if (!view.JoinRunning)
            {
                view.JoinRunning = start = true;
            }
        }

        if (start)
        {
            _ = Task.Run(() => SendJoinsAsync(saleId, view));
        }

        return joined.Task.WaitAsync(cancellationToken);
    }

    private async Task<SaleSnapshot?> FetchAsync(string saleId, View view)
    {
        // Never completes before the caller has stored it as the fetch under way (the finally clears it).
        await Task.Yield();
        try
        {
            var snapshot = await cluster.ReadAsync(() => grains.GetGrain<ISaleGrain>(saleId).GetAsync(), CancellationToken.None);
            Remember(snapshot);
            return snapshot;
        }
        finally
        {
            lock (view)
            {
                view.Fetching = null;
            }
        }
    }

    private async Task SendJoinsAsync(string saleId, View view)
    {
        while (true)
        {
            List<(string Client, TaskCompletionSource<(JoinResult, int)> Joined)> batch;
            lock (view)
            {
                if (view.Joining.Count == 0)
                {
                    view.JoinRunning = false;
                    return;
                }

                batch = view.Joining.Count <= MaxJoinBatch ? view.Joining : view.Joining[..MaxJoinBatch];
                view.Joining = view.Joining.Count <= MaxJoinBatch ? [] : view.Joining[MaxJoinBatch..];
            }

            try
            {
                // Not retried unless provably not applied: a join repeated would hand out a second place.
                var clients = batch.Select(join => join.Client).ToArray();
                var result = await cluster.WriteAsync(() => grains.GetGrain<ISaleGrain>(saleId).JoinAsync(clients), CancellationToken.None);
                Remember(result.Sale);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Joined.TrySetResult((result, i));
                }
            }
            catch (Exception exception)
            {
                foreach (var join in batch)
                {
                    join.Joined.TrySetException(exception);
                }
            }
        }
    }

    private sealed class View
    {
        public SaleSnapshot? Snapshot;
        public DateTimeOffset FetchedAt;
        public Task<SaleSnapshot?>? Fetching;
        public List<(string Client, TaskCompletionSource<(JoinResult, int)> Joined)> Joining = [];
        public bool JoinRunning;
    }
}
