using System.Collections.Concurrent;
using Doorbuster.LoadGen.Http;
using Doorbuster.LoadGen.Reporting;

namespace Doorbuster.LoadGen.Setup;

/// <summary>
/// The contract's stock invariant, checked for every sku in the ledger after the load:
/// <c>available + reserved + sold</c> equals what was ever restocked, and none of the three is negative.
/// </summary>
public static class InvariantChecker
{
    public static async Task<InvariantReport> CheckAsync(
        ShopApi api, StockLedger ledger, SetupProgress progress, int parallelism, CancellationToken cancellationToken)
    {
        var expected = ledger.ExpectedTotals.OrderBy(pair => pair.Key, StringComparer.Ordinal).ToList();
        var violations = new ConcurrentBag<InvariantViolation>();
        await progress.RunAsync($"Checking the stock invariant of {expected.Count:N0} skus", expected.Count, parallelism, async (index, ct) =>
        {
            var (sku, total) = expected[index];
            var (outcome, stock) = await api.GetStockAsync(sku, ct);
            var problem = stock switch
            {
                null => $"GET /api/inventory/{sku} answered {outcome}",
                { Available: < 0 } or { Reserved: < 0 } or { Sold: < 0 } => "a negative count",
                _ when stock.Total != total => $"available + reserved + sold = {stock.Total}, restocked {total}",
                _ => null,
            };
            if (problem is not null)
            {
                violations.Add(new InvariantViolation(sku, stock?.Available, stock?.Reserved, stock?.Sold, total, problem));
            }
        }, cancellationToken);
        return new InvariantReport(expected.Count, [.. violations.OrderBy(v => v.Sku, StringComparer.Ordinal)]);
    }
}
