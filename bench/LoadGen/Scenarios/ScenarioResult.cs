using Doorbuster.LoadGen.Reporting;

namespace Doorbuster.LoadGen.Scenarios;

/// <summary>What a scenario measured and checked; the runner adds the invariant and 5xx checks and writes the report.</summary>
public sealed class ScenarioResult
{
    public List<PhaseReport> Phases { get; } = [];

    public List<CheckReport> Checks { get; } = [];

    public FlashSaleReport? FlashSale { get; set; }

    public List<OverloadStepReport>? OverloadSteps { get; set; }

    /// <summary>True where 503 is a measured outcome (overload), not a failure; other 5xx still fail the run.</summary>
    public bool ServiceUnavailableExpected { get; init; }

    public void Check(string name, bool passed, string detail) => Checks.Add(new CheckReport(name, passed, detail));
}
