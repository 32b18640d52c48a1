using Doorbuster.LoadGen.Load;
using Doorbuster.LoadGen.Setup;
using Doorbuster.LoadGen.Workloads;

namespace Doorbuster.LoadGen.Scenarios;

/// <summary>
/// 80% browse, 15% cart (create and add), 5% checkout of a prepared one-line cart of a popular sku, in one stream
/// with per-kind numbers. Every sku is stocked for the carts prepared with it, so no checkout should run short;
/// a checkout with no prepared cart left is counted as skipped.
/// </summary>
public sealed class MixScenario(ScenarioContext context) : Scenario(context)
{
    public const double CheckoutShare = 0.05;
    private const int ClosedLoopPool = 10_000;

    public override async Task<ScenarioResult> RunAsync(CancellationToken cancellationToken)
    {
        var plan = Context.MainPlan("mix");
        var catalog = Context.NewCatalog();
        var poolSize = Context.Options.Pool
            ?? (plan.Mode == LoadMode.Open ? CheckoutsOffered(plan) : ClosedLoopPool);
        var cartSkus = Context.SampleSkus(catalog, poolSize, salt: 0);
        var demand = cartSkus.CountBy(sku => sku).ToDictionary(pair => pair.Key, pair => (long)pair.Value, StringComparer.Ordinal);
        await Context.Seeder.SeedCatalogAsync(catalog, sku => ScenarioContext.BaseStock + demand.GetValueOrDefault(sku), cancellationToken);

        var pool = new CartPool();
        await pool.FillAsync(Context.Api, cartSkus, Context.Progress, Context.SetupParallelism, cancellationToken);

        var result = new ScenarioResult();
        result.Phases.Add(await Context.Phases.RunAsync(plan, Create(Context, catalog, pool), cancellationToken));
        return result;
    }

    public static MixWorkload Create(ScenarioContext context, Catalog catalog, CartPool pool) =>
        new(new BrowseWorkload(context.Api, catalog),
            new CartWorkload(context.Api, catalog),
            new CheckoutWorkload(context.Api, pool, payShare: 0, stopWhenEmpty: false));

    /// <summary>Prepared carts an open-loop plan's checkouts need, with a tenth to spare.</summary>
    public static int CheckoutsOffered(PhasePlan plan) =>
        (int)Math.Min(ScenarioContext.OfferedOperations(plan) * CheckoutShare * 1.1 + 50, 1_000_000);
}
