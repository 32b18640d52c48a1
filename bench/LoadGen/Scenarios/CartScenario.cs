using Doorbuster.LoadGen.Workloads;

namespace Doorbuster.LoadGen.Scenarios;

/// <summary>Iterations of "new cart, add one unit of a popular sku"; reports iterations/s and each request kind.</summary>
public sealed class CartScenario(ScenarioContext context) : Scenario(context)
{
    public override async Task<ScenarioResult> RunAsync(CancellationToken cancellationToken)
    {
        var catalog = Context.NewCatalog();
        await Context.Seeder.SeedCatalogAsync(catalog, _ => ScenarioContext.BaseStock, cancellationToken);

        var result = new ScenarioResult();
        result.Phases.Add(await Context.Phases.RunAsync(
            Context.MainPlan("cart"), new CartWorkload(Context.Api, catalog), cancellationToken));
        return result;
    }
}
