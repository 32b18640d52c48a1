using Doorbuster.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Doorbuster.Sales;

/// <summary>
/// Which skus need a sale ticket at checkout, as this silo last read the <see cref="ISaleDirectoryGrain"/>:
/// at most a second old, so a checkout outside any sale costs at most one call per silo per second. A sale is
/// gated from its start until it ends; define a sale a few seconds before its start, so every silo knows it
/// by then. A sale that ended within the last second may still be asked for a ticket, and its grain answers
/// that it ended, which lets the checkout through.
/// </summary>
public sealed class SaleGate(IGrainFactory grains, [FromKeyedServices(DomainClock.Key)] TimeProvider time, ILogger<SaleGate> logger)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private Known? _known;
    private Task<Known>? _refreshing;

    /// <summary>The started, not ended sales that hold any of <paramref name="skus"/>.</summary>
    public async ValueTask<IReadOnlyList<GatedSale>> SalesGatingAsync(IEnumerable<string> skus)
    {
        // Never older than MaxAge: the first checkout after a quiet second waits for one read, the others share it.
        var known = _known;
        if (known is null || Environment.TickCount64 - known.ReadAtTicks > MaxAge.TotalMilliseconds)
        {
            known = await RefreshAsync();
        }

        if (known.BySku.Count == 0)
        {
            return [];
        }

        var now = time.GetUtcNow();
        var gating = new List<GatedSale>();
        foreach (var sku in skus)
        {
            if (known.BySku.TryGetValue(sku, out var sale) && sale.StartsAt <= now && !gating.Contains(sale))
            {
                gating.Add(sale);
            }
        }

        return gating;
    }

    private Task<Known> RefreshAsync()
    {
        lock (_lock)
        {
            // On the thread pool, not on the scheduler of whichever grain asked first: every grain shares the answer.
            return _refreshing ??= Task.Run(ReadAsync);
        }
    }

    private async Task<Known> ReadAsync()
    {
        try
        {
            var sales = await grains.GetGrain<ISaleDirectoryGrain>(ISaleDirectoryGrain.Key).GetActiveAsync();
            var bySku = new Dictionary<string, GatedSale>(StringComparer.Ordinal);
            foreach (var sale in sales)
            {
                foreach (var sku in sale.Skus)
                {
                    bySku[sku] = sale;
                }
            }

            return _known = new Known(bySku, Environment.TickCount64);
        }
        catch (Exception exception) when (_known is not null)
        {
            logger.LogWarning(exception, "The sale directory could not be read; checkouts are gated as it was last read");
            return _known;
        }
        finally
        {
            lock (_lock)
            {
                _refreshing = null;
            }
        }
    }

    /// <summary>The directory as read, and when (<see cref="Environment.TickCount64"/>: the real clock, whatever the business clock does).</summary>
    private sealed record Known(Dictionary<string, GatedSale> BySku, long ReadAtTicks);
}
