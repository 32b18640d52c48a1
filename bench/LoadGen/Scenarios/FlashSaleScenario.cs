using System.Diagnostics;
using Doorbuster.LoadGen.Http;
using Doorbuster.LoadGen.Load;
using Doorbuster.LoadGen.Metrics;
using Doorbuster.LoadGen.Reporting;
using Doorbuster.LoadGen.Setup;

namespace Doorbuster.LoadGen.Scenarios;

/// <summary>
/// The doorbuster itself: one sku with exactly M units, N buyers with a one-line cart each, all checking out at
/// the same moment. Exactly min(N, M) must win (201) and the rest must be told insufficient-stock (409); the stock
/// must then read (M - wins available, wins reserved, 0 sold). Optionally pays a share of the winning orders and
/// checks that the paid units moved from reserved to sold. A checkout shed with 429 (admission control doing its
/// job at the burst) or met with 503 is tried again after Retry-After with the same key, as a shopper's app would.
/// </summary>
public sealed class FlashSaleScenario(ScenarioContext context) : Scenario(context)
{
    /// <summary>How often a buyer tries a checkout that was shed (429) or met an outage (503) before giving up.</summary>
    private const int ShedRetries = 20;

    public override async Task<ScenarioResult> RunAsync(CancellationToken cancellationToken)
    {
        var options = Context.Options;
        var (buyers, units) = (options.Buyers, options.Units);
        // Fresh whatever --prefix says: the exact counts below only hold for a sku nobody sold before.
        var sku = $"{options.Prefix}-F{options.RunId}";
        await Context.Seeder.SeedProductAsync(sku, $"{options.Prefix}-flash", 0, units, cancellationToken);
        if (Context.Ledger.ExpectedTotals[sku] != units)
        {
            throw new SetupException($"{sku} already had stock before the run; the flash sale needs a fresh sku.");
        }

        var pool = new CartPool();
        await pool.FillAsync(Context.Api, [.. Enumerable.Repeat(sku, buyers)], Context.Progress, Context.SetupParallelism, cancellationToken);

        var result = new ScenarioResult();
        var (burst, orders) = await BurstAsync(pool, cancellationToken);
        result.Phases.Add(burst.Report);

        var expectedWins = Math.Min(buyers, units);
        var others = burst.Others.Where(pair => pair.Value > 0).ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
        result.Check("flash-sale-wins", orders.Count == expectedWins, $"{orders.Count} of {buyers} buyers got 201 for {units} units; expected {expectedWins}");
        result.Check("flash-sale-rejections", burst.InsufficientStock == buyers - expectedWins,
            $"{burst.InsufficientStock} got 409 insufficient-stock; expected {buyers - expectedWins}");
        result.Check("flash-sale-no-other-outcome", others.Count == 0,
            others.Count == 0 ? "every buyer got 201 or 409" : "other outcomes: " + string.Join(", ", others.Select(o => $"{o.Key}×{o.Value}")));

        var afterSale = await ReadStockAsync(sku, cancellationToken);
        CheckStock(result, "flash-sale-stock", afterSale, units - orders.Count, orders.Count, 0);

        var paid = 0;
        StockReport? afterPay = null;
        if (options.Pay > 0 && orders.Count > 0)
        {
            var toPay = (int)Math.Round(orders.Count * options.Pay);
            var (payReport, paidCount) = await PayAsync(orders, toPay, cancellationToken);
            result.Phases.Add(payReport);
            paid = paidCount;
            result.Check("flash-sale-pay", paid == toPay, $"{paid} of {toPay} payments answered 200");
            afterPay = await ReadStockAsync(sku, cancellationToken);
            CheckStock(result, "flash-sale-stock-after-pay", afterPay, units - orders.Count, orders.Count - paid, paid);
        }

        result.FlashSale = new FlashSaleReport(sku, buyers, units, orders.Count, burst.InsufficientStock, others,
            burst.Report.DurationSeconds, afterSale, paid, afterPay);
        return result;
    }

    /// <summary>Releases every checkout at once (at most --max-in-flight on the wire); latency counts from the release.</summary>
    private async Task<(BurstOutcome Burst, List<string> Orders)> BurstAsync(CartPool pool, CancellationToken cancellationToken)
    {
        var options = Context.Options;
        var metrics = new PhaseMetrics();
        var orders = new List<string>();
        var others = new Dictionary<string, long>(StringComparer.Ordinal);
        long insufficient = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var slots = new SemaphoreSlim(options.MaxInFlight);
        long released = 0;
        var carts = new List<PreparedCart>();
        while (pool.TryTake(out var cart))
        {
            carts.Add(cart);
        }

        var buyers = carts.Select((cart, index) => Task.Run(async () =>
        {
            await gate.Task;
            await slots.WaitAsync(cancellationToken);
            try
            {
                var operation = new OperationContext(metrics, released, index, options.Seed, options.Clients);
                var key = Guid.NewGuid().ToString("N");
                var (outcome, orderId) = await Context.Api.CheckoutAsync(cart.CartId, key, operation, cancellationToken);
                for (var attempt = 2; outcome.IsShed && attempt <= ShedRetries; attempt++)
                {
                    // A shopper told 429 or 503 tries again after Retry-After, with the same key: a 503's checkout
                    // may have gone through, and the key makes the retry the same checkout.
                    metrics.RecordRetryAfterWait();
                    await Task.Delay(outcome.RetryAfter ?? TimeSpan.FromSeconds(1), cancellationToken);
                    (outcome, orderId) = await Context.Api.CheckoutAsync(cart.CartId, key, operation, cancellationToken);
                }

                metrics.Operations.Record(outcome, released, Stopwatch.GetTimestamp());
                lock (orders)
                {
                    if (orderId is not null)
                    {
                        orders.Add(orderId);
                    }
                    else if (outcome is { Failure: Failure.None, Status: 409 } && ShopApi.ProblemType(outcome)?.Contains("insufficient-stock", StringComparison.Ordinal) == true)
                    {
                        insufficient++;
                    }
                    else
                    {
                        var other = outcome.Status == 409 ? "409 (not insufficient-stock)" : outcome.ToString();
                        others[other] = others.GetValueOrDefault(other) + 1;
                    }
                }
            }
            finally
            {
                slots.Release();
            }
        }, cancellationToken)).ToList();

        await OpenConnectionsAsync(Math.Min(carts.Count, options.MaxInFlight), cancellationToken);
        ConsoleMode.Line($"Releasing {carts.Count:N0} checkouts at once (at most {options.MaxInFlight:N0} in flight)");
        released = Stopwatch.GetTimestamp();
        gate.SetResult();
        await Task.WhenAll(buyers);
        var duration = Stopwatch.GetElapsedTime(released);

        var plan = new PhasePlan("flash-sale", LoadMode.Burst, null, Math.Min(carts.Count, options.MaxInFlight), options.MaxInFlight, TimeSpan.Zero, duration);
        var report = PhaseReports.From(plan, metrics, duration, stoppedEarly: false);
        ConsoleMode.Line($"[[flash-sale]] {orders.Count:N0} won, {insufficient:N0} insufficient-stock, {others.Values.Sum():N0} other, in {duration.TotalMilliseconds:N0} ms");
        return (new BurstOutcome(report, insufficient, others), orders);
    }

    /// <summary>
    /// Opens the connections the burst will use with as many concurrent liveness probes, so the checkouts leave
    /// together instead of queueing behind TCP handshakes.
    /// </summary>
    private Task OpenConnectionsAsync(int count, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, count).Select(_ => Context.Api.Client.SendAsync(
            new HttpRequestMessage(HttpMethod.Get, "health/live"), "probe", operation: null, admin: false, readBody: false, cancellationToken)));

    private async Task<(PhaseReport Report, int Paid)> PayAsync(List<string> orders, int count, CancellationToken cancellationToken)
    {
        var metrics = new PhaseMetrics();
        var paid = 0;
        var started = Stopwatch.GetTimestamp();
        await Context.Progress.RunAsync($"Paying {count:N0} orders", count, Context.SetupParallelism, async (index, ct) =>
        {
            var operation = new OperationContext(metrics, Stopwatch.GetTimestamp(), index, Context.Options.Seed, Context.Options.Clients);
            var outcome = await Context.Api.PayAsync(orders[index], operation, ct);
            metrics.Operations.Record(outcome, operation.IntendedStart, Stopwatch.GetTimestamp());
            if (outcome.IsSuccess)
            {
                Interlocked.Increment(ref paid);
            }
        }, cancellationToken);
        var duration = Stopwatch.GetElapsedTime(started);
        var plan = new PhasePlan("flash-sale-pay", LoadMode.Closed, null, Context.SetupParallelism, Context.SetupParallelism, TimeSpan.Zero, duration);
        return (PhaseReports.From(plan, metrics, duration, stoppedEarly: false), paid);
    }

    private async Task<StockReport?> ReadStockAsync(string sku, CancellationToken cancellationToken)
    {
        var (_, stock) = await Context.Api.GetStockAsync(sku, cancellationToken);
        return stock is null ? null : new StockReport(stock.Available, stock.Reserved, stock.Sold);
    }

    private static void CheckStock(ScenarioResult result, string name, StockReport? stock, long available, long reserved, long sold)
    {
        var expected = new StockReport(available, reserved, sold);
        result.Check(name, stock == expected,
            $"stock {(stock is null ? "unreadable" : $"({stock.Available} available, {stock.Reserved} reserved, {stock.Sold} sold)")}; expected ({available}, {reserved}, {sold})");
    }

    private sealed record BurstOutcome(PhaseReport Report, long InsufficientStock, Dictionary<string, long> Others);
}
