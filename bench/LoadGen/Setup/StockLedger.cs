using System.Collections.Concurrent;
using Doorbuster.LoadGen.Http;

namespace Doorbuster.LoadGen.Setup;

/// <summary>
/// What the stock of every sku the run touches must add up to: what it held before the run (read at setup, zero
/// for a new sku) plus what the run restocked. Checkouts, payments and expiries move units between available,
/// reserved and sold but never change the total.
/// </summary>
public sealed class StockLedger
{
    private readonly ConcurrentDictionary<string, long> _expectedTotals = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long> ExpectedTotals => _expectedTotals;

    /// <summary>Reads the sku's stock before the run touches it; 404 means none yet.</summary>
    public async Task<long> TrackAsync(ShopApi api, string sku, CancellationToken cancellationToken)
    {
        var (outcome, stock) = await api.GetStockAsync(sku, cancellationToken);
        var before = outcome switch
        {
            { Failure: Failure.None, Status: 404 } => 0,
            _ when stock is not null => stock.Total,
            _ => throw new SetupException($"GET /api/inventory/{sku} answered {outcome}; cannot read the stock before the run."),
        };
        _expectedTotals[sku] = before;
        return before;
    }

    /// <summary>Tracks a sku the run only reads, when it has stock at all (a bare read-only endpoint may not serve inventory).</summary>
    public async Task TrackIfStockedAsync(ShopApi api, string sku, CancellationToken cancellationToken)
    {
        var (_, stock) = await api.GetStockAsync(sku, cancellationToken);
        if (stock is not null)
        {
            _expectedTotals[sku] = stock.Total;
        }
    }

    public void Restocked(string sku, long quantity) => _expectedTotals.AddOrUpdate(sku, quantity, (_, total) => total + quantity);
}
