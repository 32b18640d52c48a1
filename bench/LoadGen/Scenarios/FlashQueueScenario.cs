using System.Collections.Concurrent;
using System.Diagnostics;
using Doorbuster.LoadGen.Http;
using Doorbuster.LoadGen.Load;
using Doorbuster.LoadGen.Metrics;
using Doorbuster.LoadGen.Reporting;
using Doorbuster.LoadGen.Setup;

namespace Doorbuster.LoadGen.Scenarios;

/// <summary>
/// A flash sale through its waiting room, as it happens: --shoppers arrive evenly over --arrival (open loop, the
/// first --pre-start of them before the sale opens), each joins the queue, polls its ticket as Retry-After says,
/// and when admitted either walks away (--abandon) or fills a cart, checks out with the ticket and pays. A shopper
/// told soldOut stops waiting. Product reads run beside it, and before it for comparison.
/// </summary>
/// <remarks>
/// Checked: every unit sold and none oversold; admission in arrival order after the start (Kendall's tau ≥ 0.99);
/// the pre-queue drawn uniformly (a chi-square test of arrival order against position); sold out reaching the
/// waiting tickets within 2 s of the last unit held; and the browse p99 during the sale against before it.
/// </remarks>
public sealed class FlashQueueScenario(ScenarioContext context) : Scenario(context)
{
    /// <summary>Time between defining the sale and the first arrival: every silo learns of a sale within a second.</summary>
    private static readonly TimeSpan Lead = TimeSpan.FromSeconds(3);

    /// <summary>The contract's promise for sold out, plus the Api's snapshot age already inside it.</summary>
    private static readonly TimeSpan SoldOutPromise = TimeSpan.FromSeconds(2);

    private const int Attempts = 20;

    public override async Task<ScenarioResult> RunAsync(CancellationToken cancellationToken)
    {
        var options = Context.Options;
        var (sku, browseSku, saleId) = ($"{options.Prefix}-Q{options.RunId}", $"{options.Prefix}-QB{options.RunId}", $"{options.Prefix}-S{options.RunId}");
        await Context.Seeder.SeedProductAsync(sku, $"{options.Prefix}-queue", 0, options.Units, cancellationToken);
        if (Context.Ledger.ExpectedTotals[sku] != options.Units)
        {
            throw new SetupException($"{sku} already had stock before the run; the flash sale needs a fresh sku.");
        }

        await Context.Seeder.SeedProductAsync(browseSku, $"{options.Prefix}-queue", 1, 0, cancellationToken);

        var result = new ScenarioResult();
        var browseBefore = await BrowseAsync("browse-before", browseSku, Stopwatch.GetTimestamp(), options.Arrival, cancellationToken);
        result.Phases.Add(browseBefore);

        // The sale: starts after the pre-start share of the arrivals; every synthetic client may hold what it needs.
        var clients = Math.Max(1, options.Clients);
        var first = DateTimeOffset.UtcNow + Lead;
        var startsAt = first + options.Arrival * options.PreStart;
        var ticketsPerClient = (int)Math.Clamp(Math.Ceiling(options.Shoppers / (double)clients), 1, 100);
        var defined = await Context.Api.DefineSaleAsync(saleId, new SaleDefinition([sku], startsAt, options.AdmitPerSecond, ticketsPerClient), cancellationToken);
        if (!defined.IsSuccess)
        {
            throw new SetupException($"PUT /api/sales/{saleId} answered {defined}; the flash queue needs the admin key and a Doorbuster with flash sales.");
        }

        ConsoleMode.Line($"Sale {saleId}: {options.Units:N0} units of {sku}, opens {startsAt:HH:mm:ss.fff}, {options.AdmitPerSecond:N0} admitted/s; "
            + $"{options.Shoppers:N0} shoppers over {options.Arrival.TotalSeconds:N1} s, {options.PreStart:P0} before the start");

        var metrics = new PhaseMetrics();
        var shoppers = new Shopper[options.Shoppers];
        var clock = new SaleClock(first);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var cap = options.Arrival + Lead + TimeSpan.FromSeconds(Math.Max(60, 3.0 * options.Units / options.AdmitPerSecond));
        stop.CancelAfter(cap);

        var browseDuring = BrowseAsync("browse-during", browseSku, clock.FirstArrival, options.Arrival, stop.Token);
        var spacing = options.Arrival.TotalSeconds * Stopwatch.Frequency / options.Shoppers;
        await OpenLoopAsync("flash-queue arrivals", clock.FirstArrival, spacing, shoppers.Length, (i, intended) =>
        {
            var shopper = shoppers[i] = new Shopper((int)i);
            var operation = new OperationContext(metrics, intended, i, options.Seed, clients, client: (int)(i % clients));
            return ShopAsync(saleId, sku, shopper, operation, stop.Token);
        }, stop.Token);
        var duration = Stopwatch.GetElapsedTime(clock.FirstArrival);
        var stoppedEarly = stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested;
        result.Phases.Add(PhaseReports.From(
            new PhasePlan("flash-queue", LoadMode.Open, options.Shoppers / options.Arrival.TotalSeconds, 0, options.MaxInFlight, TimeSpan.Zero, duration),
            metrics, duration, stoppedEarly));
        result.Phases.Add(await browseDuring);

        var (_, stock) = await Context.Api.GetStockAsync(sku, cancellationToken);
        Judge(result, shoppers.Where(s => s is not null).ToArray(), stock, options, stoppedEarly, browseBefore, result.Phases[^1]);
        return result;
    }

    private async Task ShopAsync(string saleId, string sku, Shopper shopper, OperationContext operation, CancellationToken cancellationToken)
    {
        try
        {
            var (joined, ticket) = await RetryShedAsync(
                () =>
                {
                    shopper.JoinSent = Stopwatch.GetTimestamp();
                    return Context.Api.JoinSaleAsync(saleId, operation, cancellationToken);
                },
                cancellationToken);
            if (ticket is null)
            {
                shopper.Outcome = $"join {joined}";
                return;
            }

            (shopper.Joined, shopper.BeforeStart, shopper.Position) = (true, ticket.Position is null, ticket.Position);
            var retryAfter = joined.RetryAfter;
            while (true)
            {
                await Task.Delay(retryAfter ?? TimeSpan.FromSeconds(1), cancellationToken);
                var (polled, view) = await RetryShedAsync(() => Context.Api.PollTicketAsync(saleId, ticket.Ticket, operation, cancellationToken), cancellationToken);
                if (view is null)
                {
                    shopper.Outcome = $"poll {polled}";
                    return;
                }

                retryAfter = polled.RetryAfter;
                shopper.Position ??= view.Position;
                switch (view.Status)
                {
                    case "waiting":
                        continue;
                    case "soldOut":
                        shopper.SoldOutSeen = Stopwatch.GetTimestamp();
                        shopper.Outcome = "sold out";
                        return;
                    case "admitted":
                        shopper.Admitted = Stopwatch.GetTimestamp();
                        if (operation.NextDouble() < Context.Options.Abandon)
                        {
                            shopper.Outcome = "abandoned";
                            return;
                        }

                        await BuyAsync(sku, ticket.Ticket, shopper, operation, cancellationToken);
                        return;
                    default:
                        shopper.Outcome = view.Status;
                        return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            shopper.Outcome ??= "still waiting when the run stopped";
        }
    }

    private async Task BuyAsync(string sku, string ticket, Shopper shopper, OperationContext operation, CancellationToken cancellationToken)
    {
        var (created, cartId) = await RetryShedAsync(() => Context.Api.CreateCartAsync(operation, cancellationToken), cancellationToken);
        if (cartId is null)
        {
            shopper.Outcome = $"cart {created}";
            return;
        }

        var added = await RetryShedAsync(async () => (await Context.Api.AddItemAsync(cartId, sku, 1, operation, cancellationToken), true), cancellationToken);
        var key = $"queue-{shopper.Index}";
        var (checkout, orderId) = await RetryShedAsync(() => Context.Api.CheckoutAsync(cartId, key, operation, cancellationToken, ticket), cancellationToken);
        if (orderId is null)
        {
            shopper.Outcome = checkout.Status == 409 ? "insufficient stock" : $"checkout {checkout} (add {added.Item1})";
            return;
        }

        shopper.Held = Stopwatch.GetTimestamp();
        var (paid, _) = await RetryShedAsync(async () => (await Context.Api.PayAsync(orderId, operation, cancellationToken), true), cancellationToken);
        shopper.Outcome = paid.IsSuccess ? "bought" : $"pay {paid}";
    }

    /// <summary>Like a shopper's browser: a 429 or 503 is tried again after Retry-After (the same request, the same key).</summary>
    private static async Task<(HttpOutcome Outcome, T? Value)> RetryShedAsync<T>(Func<Task<(HttpOutcome, T?)>> send, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (outcome, value) = await send();
            if (!outcome.IsShed || attempt == Attempts || ShopApi.ProblemType(outcome)?.EndsWith("/too-many-tickets", StringComparison.Ordinal) == true)
            {
                return (outcome, value);
            }

            await Task.Delay(outcome.RetryAfter ?? TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private async Task<PhaseReport> BrowseAsync(string name, string sku, long firstTimestamp, TimeSpan duration, CancellationToken cancellationToken)
    {
        var options = Context.Options;
        var metrics = new PhaseMetrics();
        var count = (long)(options.BrowseRate * duration.TotalSeconds);
        var spacing = Stopwatch.Frequency / options.BrowseRate;
        await OpenLoopAsync(name, firstTimestamp, spacing, count, async (i, intended) =>
        {
            var operation = new OperationContext(metrics, intended, i, options.Seed, options.Clients);
            var outcome = await Context.Api.GetProductAsync(sku, operation, CancellationToken.None);
            metrics.Operations.Record(outcome, intended, Stopwatch.GetTimestamp());
        }, cancellationToken);
        var measured = Stopwatch.GetElapsedTime(firstTimestamp);
        return PhaseReports.From(new PhasePlan(name, LoadMode.Open, options.BrowseRate, 0, options.MaxInFlight, TimeSpan.Zero, measured), metrics, measured, stoppedEarly: false);
    }

    /// <summary>
    /// Starts <paramref name="count"/> operations, the i-th at <paramref name="first"/> + i × <paramref name="spacing"/>
    /// (Stopwatch ticks), from a thread of its own with sub-millisecond sleeps, and completes when all have finished.
    /// Awaited, not joined: a thread-pool thread blocked for the whole arrival (two, with the reads) left a 2-core
    /// machine's pool without workers, and every request waited about a second for the pool to grow.
    /// </summary>
    private static async Task OpenLoopAsync(string name, long first, double spacing, long count, Func<long, long, Task> start, CancellationToken cancellationToken)
    {
        var running = new ConcurrentBag<Task>();
        var launched = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var launcher = new Thread(() =>
        {
            for (long i = 0; i < count && !cancellationToken.IsCancellationRequested; i++)
            {
                var intended = first + (long)(i * spacing);
                PreciseSleep.Until(intended);
                var index = i;
                running.Add(Task.Run(() => start(index, intended), CancellationToken.None));
            }

            launched.SetResult();
        }) { IsBackground = true, Name = name };
        launcher.Start();
        await launched.Task;
        await Task.WhenAll(running);
    }

    private static void Judge(
        ScenarioResult result, Shopper[] shoppers, Stock? stock, Cli.RunOptions options, bool stoppedEarly, PhaseReport browseBefore, PhaseReport browseDuring)
    {
        var outcomes = shoppers.GroupBy(s => s.Outcome ?? "unfinished").OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count():N0}");
        ConsoleMode.Line($"[[flash-queue]] shoppers: {string.Join(", ", outcomes)}");

        var bought = shoppers.Count(s => s.Outcome == "bought");
        var demand = (long)Math.Floor(shoppers.Count(s => s.Joined) * (1 - options.Abandon));
        result.Check("flash-queue-stock", stock is not null && stock.Total == options.Units && stock.Sold <= options.Units,
            stock is null ? "stock unreadable" : $"{stock.Sold:N0} sold, {stock.Reserved:N0} reserved, {stock.Available:N0} available of {options.Units:N0}: none oversold");
        result.Check("flash-queue-sold-out", stock is not null && (stock.Sold == options.Units || demand < options.Units),
            $"{bought:N0} shoppers bought and paid; {stock?.Sold ?? 0:N0} of {options.Units:N0} units sold");
        result.Check("flash-queue-finished", !stoppedEarly, stoppedEarly ? "the run hit its time cap with shoppers still waiting" : "every shopper finished");

        // Admission order (positions are admitted in order) against arrival order (when each join was sent), among
        // those who arrived after the start: their position came with their ticket, admitted or not.
        var late = shoppers.Where(s => !s.BeforeStart && s.Position is not null).OrderBy(s => s.JoinSent).Select(s => s.Position!.Value).ToArray();
        var tau = KendallTau(late);
        var admittedLate = shoppers.Count(s => !s.BeforeStart && s.Admitted is not null);
        result.Check("flash-queue-arrival-order", late.Length < 2 || tau >= 0.99,
            $"Kendall's tau {tau:F4} between arrival and queue order over {late.Length:N0} shoppers who came after the start ({admittedLate:N0} of them admitted; needs >= 0.99)");

        // The pre-queue's draw: arrival order and position independent (chi-square on a k x k table).
        var early = shoppers.Where(s => s.BeforeStart && s.Position is not null).OrderBy(s => s.JoinSent).ToArray();
        var (chiSquare, freedom, p) = early.Length >= 20 ? Independence(early) : (0, 0, 1);
        result.Check("flash-queue-pre-queue-drawn", p >= 0.001,
            early.Length < 20 ? $"{early.Length} pre-start shoppers who learned their position: too few to test" :
            $"chi-square {chiSquare:F1} with {freedom} degrees of freedom over {early.Length:N0} pre-start shoppers who learned their position, p = {p:F3} (uniform draw: p >= 0.001)");

        // Sold out said to the waiting: from the last unit held to the first and to every waiting ticket told so.
        var lastHeld = shoppers.Where(s => s.Held is not null).Select(s => s.Held!.Value).DefaultIfEmpty().Max();
        var told = shoppers.Where(s => s.SoldOutSeen is not null && lastHeld > 0).Select(s => Stopwatch.GetElapsedTime(lastHeld, s.SoldOutSeen!.Value).TotalSeconds).Order().ToArray();
        if (stock is not null && stock.Available == 0 && told.Length > 0)
        {
            var firstNotice = told[0];
            result.Check("flash-queue-sold-out-notice", firstNotice <= SoldOutPromise.TotalSeconds + 0.5,
                $"{told.Length:N0} waiting shoppers told soldOut: the first {firstNotice:F2} s after the last unit was held (the server's promise: 2 s), "
                + $"median {told[told.Length / 2]:F2} s, the last {told[^1]:F2} s (when their next poll came)");
        }
        else
        {
            result.Check("flash-queue-sold-out-notice", true, "nobody was left waiting when the units ran out (or they never did)");
        }

        var (before, during) = (browseBefore.AdmittedLatencyMs.P99, browseDuring.AdmittedLatencyMs.P99);
        result.Check("flash-queue-browse-p99", during <= Math.Max(5 * before, 100),
            $"product read p99 {during:F1} ms during the sale against {before:F1} ms before it (at most 5x, or 100 ms)");
    }

    /// <summary>
    /// Kendall's tau-a of a sequence against its index order (1: the same order; positions have no ties), from the
    /// number of inversions, counted by merge sort in O(n log n): 45,000 late arrivals are a billion pairs.
    /// </summary>
    private static double KendallTau(long[] values)
    {
        if (values.Length < 2)
        {
            return 1;
        }

        var inversions = Inversions(values.ToArray(), new long[values.Length], 0, values.Length);
        var pairs = values.Length * (values.Length - 1L) / 2.0;
        return 1 - (2 * inversions / pairs);
    }

    private static long Inversions(long[] values, long[] scratch, int from, int to)
    {
        if (to - from < 2)
        {
            return 0;
        }

        var middle = (from + to) / 2;
        var count = Inversions(values, scratch, from, middle) + Inversions(values, scratch, middle, to);
        int left = from, right = middle, at = from;
        while (left < middle || right < to)
        {
            if (right == to || (left < middle && values[left] <= values[right]))
            {
                scratch[at++] = values[left++];
            }
            else
            {
                count += middle - left;
                scratch[at++] = values[right++];
            }
        }

        Array.Copy(scratch, from, values, from, to - from);
        return count;
    }

    /// <summary>Pearson's chi-square test of independence of arrival and position, each cut into k equal groups.</summary>
    private static (double ChiSquare, int Freedom, double P) Independence(Shopper[] early)
    {
        var k = Math.Clamp((int)Math.Sqrt(early.Length / 5.0), 2, 10);
        var positions = early.Select(s => s.Position!.Value).Order().ToArray();
        var table = new double[k, k];
        for (var i = 0; i < early.Length; i++)
        {
            var arrival = i * k / early.Length;
            var rank = Array.BinarySearch(positions, early[i].Position!.Value);
            table[arrival, rank * k / early.Length]++;
        }

        var rows = Enumerable.Range(0, k).Select(r => Enumerable.Range(0, k).Sum(c => table[r, c])).ToArray();
        var columns = Enumerable.Range(0, k).Select(c => Enumerable.Range(0, k).Sum(r => table[r, c])).ToArray();
        var chiSquare = 0.0;
        for (var r = 0; r < k; r++)
        {
            for (var c = 0; c < k; c++)
            {
                var expected = rows[r] * columns[c] / early.Length;
                chiSquare += expected == 0 ? 0 : Math.Pow(table[r, c] - expected, 2) / expected;
            }
        }

        var freedom = (k - 1) * (k - 1);

        // Wilson–Hilferty: (X/f)^(1/3) is close to normal with mean 1 - 2/(9f) and variance 2/(9f).
        var z = (Math.Cbrt(chiSquare / freedom) - (1 - (2.0 / (9 * freedom)))) / Math.Sqrt(2.0 / (9 * freedom));
        return (chiSquare, freedom, 0.5 * Erfc(z / Math.Sqrt(2)));
    }

    /// <summary>The complementary error function (Numerical Recipes' erfc approximation, relative error below 1.2e-7).</summary>
    private static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1 / (1 + (0.5 * z));
        var r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851638 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }

    private sealed class Shopper(int index)
    {
        public int Index { get; } = index;

        /// <summary>Joined the pre-queue: the join answered without a position.</summary>
        public bool BeforeStart { get; set; }

        public bool Joined { get; set; }

        /// <summary>When its (last) join was sent: its arrival, as the server can see it.</summary>
        public long JoinSent { get; set; }

        public long? Admitted { get; set; }

        public long? Position { get; set; }

        public long? Held { get; set; }

        public long? SoldOutSeen { get; set; }

        public string? Outcome { get; set; }
    }

    /// <summary>The run's timeline as a Stopwatch timestamp: the first arrival.</summary>
    private sealed class SaleClock(DateTimeOffset firstArrival)
    {
        public long FirstArrival { get; } = Stopwatch.GetTimestamp() + (long)((firstArrival - DateTimeOffset.UtcNow).TotalSeconds * Stopwatch.Frequency);
    }
}
