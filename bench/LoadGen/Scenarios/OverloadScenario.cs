using System.Globalization;
using Doorbuster.LoadGen.Load;
using Doorbuster.LoadGen.Reporting;
using Doorbuster.LoadGen.Setup;

namespace Doorbuster.LoadGen.Scenarios;

/// <summary>
/// How the system degrades past its peak: measures the peak of the <c>mix</c> workload closed-loop (or takes
/// --peak), then offers open-loop steps at multiples of it. A healthy front door keeps goodput near the peak and
/// the latency of what it admits low, shedding the rest with fast 429s rather than queueing into timeouts.
/// </summary>
public sealed class OverloadScenario(ScenarioContext context) : Scenario(context)
{
    /// <summary>Prepared carts per step at most; the checkouts beyond are counted as skipped.</summary>
    private const int MaxStepPool = 50_000;

    public override async Task<ScenarioResult> RunAsync(CancellationToken cancellationToken)
    {
        var options = Context.Options;
        var catalog = Context.NewCatalog();
        await Context.Seeder.SeedCatalogAsync(catalog, _ => ScenarioContext.BaseStock, cancellationToken);
        var pool = new CartPool();
        var result = new ScenarioResult { ServiceUnavailableExpected = true, OverloadSteps = [] };

        var peak = options.Peak;
        if (peak is null)
        {
            var peakPlan = new PhasePlan("peak", LoadMode.Closed, null, options.Connections, options.MaxInFlight, options.Warmup, options.PeakDuration);
            await TopUpAsync(catalog, pool, options.Pool ?? 5_000, salt: 0, cancellationToken);
            var peakPhase = await Context.Phases.RunAsync(peakPlan, MixScenario.Create(Context, catalog, pool), cancellationToken);
            result.Phases.Add(peakPhase);
            peak = peakPhase.Operations.PerSecond;
            ConsoleMode.Line($"Peak: [bold]{peak:N0}[/] operations/s with {options.Connections} connections");
        }

        if (peak is not > 0)
        {
            result.Check("overload-peak", false, "The peak measurement completed no operation; nothing to step from.");
            return result;
        }

        for (var step = 0; step < options.Steps.Count; step++)
        {
            var multiplier = options.Steps[step];
            var name = string.Create(CultureInfo.InvariantCulture, $"{multiplier:0.##}x");
            var plan = new PhasePlan(name, LoadMode.Open, Math.Round(peak.Value * multiplier, 1), options.Connections,
                options.MaxInFlight, options.Warmup, options.StepDuration);
            await TopUpAsync(catalog, pool, Math.Min(options.Pool ?? MixScenario.CheckoutsOffered(plan), MaxStepPool), salt: step + 1, cancellationToken);
            var report = await Context.Phases.RunAsync(plan, MixScenario.Create(Context, catalog, pool), cancellationToken);
            result.Phases.Add(report);
            result.OverloadSteps.Add(Step(name, multiplier, plan.Rate!.Value, report));
        }

        return result;
    }

    /// <summary>A step in operations, like the offered rate: an operation fails with the first failure of its requests.</summary>
    private static OverloadStepReport Step(string name, double multiplier, double offered, PhaseReport report)
    {
        var operations = report.Operations;
        var shed = report.ShedLatencyMs.Count > 0 ? report.ShedLatencyMs : null;
        double Share(string status) => operations.Count == 0 ? 0 : Math.Round((double)operations.StatusCodes.GetValueOrDefault(status) / operations.Count, 4);
        return new OverloadStepReport(
            name, multiplier, offered,
            report.DurationSeconds > 0 ? Math.Round(operations.Success / report.DurationSeconds, 1) : 0,
            Share("429"), Share("503"),
            operations.AdmittedLatencyMs.P50, operations.AdmittedLatencyMs.P99,
            shed?.P50, shed?.P99,
            operations.Dropped, operations.Timeouts);
    }

    /// <summary>Adds carts until the pool holds <paramref name="target"/>, restocking their skus first so no checkout runs short.</summary>
    private async Task TopUpAsync(Catalog catalog, CartPool pool, int target, int salt, CancellationToken cancellationToken)
    {
        var missing = target - pool.Remaining;
        if (missing <= 0)
        {
            return;
        }

        var skus = Context.SampleSkus(catalog, missing, salt);
        var demand = skus.CountBy(sku => sku).ToList();
        await Context.Progress.RunAsync($"Restocking {demand.Count:N0} skus for the next carts", demand.Count, Context.SetupParallelism,
            (index, ct) => Context.Seeder.RestockAsync(demand[index].Key, demand[index].Value, ct), cancellationToken);
        await pool.FillAsync(Context.Api, skus, Context.Progress, Context.SetupParallelism, cancellationToken);
    }
}
