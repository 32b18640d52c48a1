using Doorbuster.LoadGen.Workloads;

namespace Doorbuster.LoadGen.Scenarios;

/// <summary>One sku's product page, nothing else: a seeded <c>{prefix}-HOT</c>, or an existing sku given with --sku.</summary>
public sealed class HotReadScenario(ScenarioContext context) : Scenario(context)
{
    public override async Task<ScenarioResult> RunAsync(CancellationToken cancellationToken)
    {
        var options = Context.Options;
        var sku = options.HotSku ?? $"{options.Prefix}-HOT";
        if (options.HotSku is null)
        {
            await Context.Seeder.SeedProductAsync(sku, $"{options.Prefix}-hot", 0, ScenarioContext.BaseStock, cancellationToken);
        }
        else
        {
            await Context.Ledger.TrackIfStockedAsync(Context.Api, sku, cancellationToken);
        }

        var result = new ScenarioResult();
        result.Phases.Add(await Context.Phases.RunAsync(
            Context.MainPlan("hot-read"), new HotReadWorkload(Context.Api, sku), cancellationToken));
        return result;
    }
}
