using Doorbuster.LoadGen.Workloads;

namespace Doorbuster.LoadGen.Scenarios;

/// <summary>Product pages by Zipf popularity over the catalog, 10% category listings.</summary>
public sealed class BrowseScenario(ScenarioContext context) : Scenario(context)
{
    public override async Task<ScenarioResult> RunAsync(CancellationToken cancellationToken)
    {
        var catalog = Context.NewCatalog();
        await Context.Seeder.SeedCatalogAsync(catalog, _ => ScenarioContext.BaseStock, cancellationToken);

        var result = new ScenarioResult();
        result.Phases.Add(await Context.Phases.RunAsync(
            Context.MainPlan("browse"), new BrowseWorkload(Context.Api, catalog), cancellationToken));
        return result;
    }
}
