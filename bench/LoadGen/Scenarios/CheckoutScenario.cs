using System.Globalization;
using Doorbuster.LoadGen.Http;
using Doorbuster.LoadGen.Load;
using Doorbuster.LoadGen.Reporting;
using Doorbuster.LoadGen.Setup;
using Doorbuster.LoadGen.Workloads;

namespace Doorbuster.LoadGen.Scenarios;

/// <summary>
/// Checkouts of one line of one hot sku: the group-commit path under contention. Setup (not timed) stocks the sku,
/// optionally leaves <c>--outstanding</c> unpaid orders on it, and prepares one cart per checkout; the measured
/// phase only checks out (and pays <c>--pay</c> of the orders). It ends early if the prepared carts run out.
/// </summary>
public sealed class CheckoutScenario(ScenarioContext context) : Scenario(context)
{
    private const int MaxCalibrationPasses = 4;

    /// <summary>A calibration pass shorter than this ran mostly cold or while its connections ramped up.</summary>
    private static readonly TimeSpan MinCalibrationSeconds = TimeSpan.FromSeconds(3);

    /// <summary>How long the next probe should last at the last pass's rate.</summary>
    private static readonly TimeSpan CalibrationProbeSeconds = TimeSpan.FromSeconds(5);

    public override async Task<ScenarioResult> RunAsync(CancellationToken cancellationToken)
    {
        var options = Context.Options;
        var plan = Context.MainPlan("checkout");
        var sku = $"{options.Prefix}-HOT";
        await Context.Seeder.SeedProductAsync(sku, $"{options.Prefix}-hot", 0, ScenarioContext.BaseStock + options.Outstanding, cancellationToken);
        if (options.Outstanding > 0)
        {
            await CreateOutstandingOrdersAsync(sku, options.Outstanding, cancellationToken);
        }

        var poolSize = options.Pool
            ?? (plan.Mode == LoadMode.Open
                ? (int)Math.Min(ScenarioContext.OfferedOperations(plan) * 105 / 100 + 100, 10_000_000)
                : await CalibratedPoolAsync(sku, plan, cancellationToken));
        await Context.Seeder.RestockAsync(sku, poolSize, cancellationToken);
        var pool = new CartPool();
        await pool.FillAsync(Context.Api, [.. Enumerable.Repeat(sku, poolSize)], Context.Progress, Context.SetupParallelism, cancellationToken);
        if (options.CartsFile is { } file)
        {
            var ids = new List<string>(pool.Remaining);
            while (pool.TryTake(out var cart))
            {
                ids.Add(cart.CartId);
            }

            await File.WriteAllLinesAsync(file, ids, cancellationToken);
            ConsoleMode.Line($"Wrote {ids.Count:N0} prepared carts of {sku} to {file}; nothing measured.");
            return new ScenarioResult();
        }

        var workload = new CheckoutWorkload(Context.Api, pool, options.Pay, stopWhenEmpty: true);
        var result = new ScenarioResult();
        var phase = await Context.Phases.RunAsync(plan, workload, cancellationToken);
        result.Phases.Add(phase);

        // The sku holds more units than there are carts, so an insufficient-stock answer is a server bug.
        var shortages = phase.Requests.Where(k => k.Kind == RequestKinds.Checkout).Sum(k => k.StatusCodes.GetValueOrDefault("409"));
        result.Check("checkout-never-short", shortages == 0,
            $"{shortages} checkouts answered 409 although {sku} had stock for every prepared cart; {workload.Orders:N0} orders created, {workload.Paid:N0} paid");
        return result;
    }

    /// <summary>
    /// A closed loop's rate is unknown until it runs: check out probes of carts with the plan's connections (not
    /// measured) until one lasts long enough to give a warm rate — the first passes only warm a cold server and
    /// client, and each next probe is sized from the last rate — then prepare four times what that rate needs for
    /// the warm-up and the measured time: measured right after a pool fill, a fresh Doorbuster's calibration came
    /// out at 0.35–0.45 of the rate its measured phase then ran at (the baseline's at 0.45–0.9).
    /// </summary>
    private async Task<int> CalibratedPoolAsync(string sku, PhasePlan plan, CancellationToken cancellationToken)
    {
        var smoke = Context.Options.Smoke;
        var probe = Math.Max(plan.Connections * (smoke ? 10 : 80), smoke ? 500 : 5_000);
        var rate = 0.0;
        for (var pass = 0; pass < (smoke ? 1 : MaxCalibrationPasses); pass++)
        {
            await Context.Seeder.RestockAsync(sku, probe, cancellationToken);
            var pool = new CartPool();
            await pool.FillAsync(Context.Api, [.. Enumerable.Repeat(sku, probe)], Context.Progress, Context.SetupParallelism, cancellationToken);
            var calibration = new LoadPhase(
                plan with { Name = "calibration", Warmup = TimeSpan.Zero, Duration = TimeSpan.FromSeconds(10) },
                new CheckoutWorkload(Context.Api, pool, payShare: 0, stopWhenEmpty: true), Context.Options.Seed + pass, Context.Options.Clients);
            await ClosedLoopDriver.RunAsync(calibration, cancellationToken);
            var seconds = calibration.MeasuredDuration.TotalSeconds;
            rate = seconds > 0 ? calibration.Metrics.Operations.CountWhere(status => status == 201) / seconds : 0;
            if (pass > 0 && seconds >= MinCalibrationSeconds.TotalSeconds)
            {
                break;
            }

            probe = (int)Math.Clamp(rate * CalibrationProbeSeconds.TotalSeconds, probe, 200_000);
        }

        var size = (int)Math.Clamp(rate * (plan.Warmup + plan.Duration).TotalSeconds * 4, 1_000, smoke ? 10_000 : 2_000_000);
        ConsoleMode.Line(string.Create(CultureInfo.InvariantCulture,
            $"Calibration: {rate:N0} checkouts/s with {plan.Connections} connections; preparing {size:N0} carts"));
        return size;
    }

    private Task CreateOutstandingOrdersAsync(string sku, int count, CancellationToken cancellationToken) =>
        Context.Progress.RunAsync($"Creating {count:N0} unpaid orders on {sku}", count, Context.SetupParallelism, async (index, ct) =>
        {
            var cart = await CartPool.CreateOneLineCartAsync(Context.Api, sku, ct);
            var (checkout, orderId) = await Context.Api.CheckoutAsync(cart.CartId, $"lg-{Context.Options.RunId}-o{index}", operation: null, ct);
            if (orderId is null)
            {
                throw new SetupException($"Checkout of an outstanding order answered {checkout}; expected 201.");
            }
        }, cancellationToken);
}
