using System.Globalization;
using System.Text;

namespace Doorbuster.LoadGen.Reporting;

/// <summary>
/// The comparison table: for every scenario and system (the report's label), the median over the rounds of the
/// operations per second and of the operation p50 and p99, and their ratio to the reference system.
/// </summary>
public static class Comparison
{
    public static string Render(IReadOnlyList<RunReport> reports, string reference, string title, string? note)
    {
        var rows = reports
            .Where(r => r.Phases.Count > 0)
            .GroupBy(r => (r.Scenario, Label: r.Label ?? "unlabeled"))
            .Select(g => new Row(
                g.Key.Scenario,
                g.Key.Label,
                g.Count(),
                g.Count(r => !r.Passed),
                Median(g.Select(r => MainPhase(r).Operations.PerSecond)),
                Median(g.Select(r => MainPhase(r).RequestsPerSecond)),
                Median(g.Select(r => MainPhase(r).Operations.LatencyMs.P50)),
                Median(g.Select(r => MainPhase(r).Operations.LatencyMs.P99)),
                g.Any(r => MainPhase(r).ServerCpuMsPerOperation is not null)
                    ? Median(g.Select(r => MainPhase(r).ServerCpuMsPerOperation ?? 0))
                    : null))
            .ToList();
        var scenarios = rows.Select(r => r.Scenario).Distinct().ToList();

        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# {title}").AppendLine();
        if (note is not null)
        {
            md.AppendLine(note).AppendLine();
        }

        md.AppendLine(CultureInfo.InvariantCulture,
            $"Medians over the rounds of each run's measured phase. An operation is one request, except `cart` (create a cart, add an item: two). Ratios are against `{reference}`: above 1 is more throughput, below 1 is lower latency. Server CPU is the CPU time of the system's processes (Redis included) over the measured window, per operation.");
        md.AppendLine();
        var table = new List<string[]>();
        foreach (var scenario in scenarios)
        {
            var baseline = rows.FirstOrDefault(r => r.Scenario == scenario && r.Label == reference);
            foreach (var row in rows.Where(r => r.Scenario == scenario).OrderBy(r => r.Label == reference ? 0 : 1).ThenBy(r => r.Label, StringComparer.Ordinal))
            {
                table.Add(
                [
                    scenario,
                    row.Label,
                    row.FailedRounds == 0 ? $"{row.Rounds}" : $"{row.Rounds} ({row.FailedRounds} failed)",
                    ReportFormat.Number(row.OperationsPerSecond),
                    ReportFormat.Number(row.RequestsPerSecond),
                    ReportFormat.Ms(row.P50),
                    ReportFormat.Ms(row.P99),
                    Ratio(row.OperationsPerSecond, baseline?.OperationsPerSecond),
                    Ratio(row.P50, baseline?.P50),
                    Ratio(row.P99, baseline?.P99),
                    row.CpuMsPerOperation is { } cpu ? cpu.ToString("0.000", CultureInfo.InvariantCulture) : "-",
                ]);
            }
        }

        MarkdownReport.Table(md,
            ["scenario", "system", "rounds", "ops/s", "req/s", "p50 ms", "p99 ms", $"ops/s ÷ {reference}", $"p50 ÷ {reference}", $"p99 ÷ {reference}", "server CPU ms/op"],
            table);
        RenderCostByTier(md, reports);
        return md.ToString();
    }

    /// <summary>
    /// CPU milliseconds per operation of each tier and Redis commands per operation (medians over the rounds), the
    /// inputs of <c>docs/capacity.md</c>; written only when the runs measured them.
    /// </summary>
    private static void RenderCostByTier(StringBuilder md, IReadOnlyList<RunReport> reports)
    {
        var measured = reports.Where(r => r.Phases.Count > 0).ToList();
        var tiers = measured
            .SelectMany(r => MainPhase(r).ServerCpuMsPerOperationByTier?.Keys ?? [])
            .Distinct()
            .OrderBy(tier => Array.IndexOf(TierOrder, tier) is var i and >= 0 ? i : TierOrder.Length)
            .ThenBy(tier => tier, StringComparer.Ordinal)
            .ToList();
        if (tiers.Count == 0 && measured.All(r => MainPhase(r).RedisCommandsPerOperation is null))
        {
            return;
        }

        var table = measured
            .GroupBy(r => (r.Scenario, Label: r.Label ?? "unlabeled"))
            .Select(g => (string[])
            [
                g.Key.Scenario,
                g.Key.Label,
                ReportFormat.Number(Median(g.Select(r => MainPhase(r).Operations.PerSecond))),
                .. tiers.Select(tier => g.Any(r => MainPhase(r).ServerCpuMsPerOperationByTier?.ContainsKey(tier) == true)
                    ? Median(g.Select(r => MainPhase(r).ServerCpuMsPerOperationByTier?.GetValueOrDefault(tier) ?? 0)).ToString("0.000", CultureInfo.InvariantCulture)
                    : "-"),
                g.Any(r => MainPhase(r).RedisCommandsPerOperation is not null)
                    ? Median(g.Select(r => MainPhase(r).RedisCommandsPerOperation ?? 0)).ToString("0.00", CultureInfo.InvariantCulture)
                    : "-",
            ])
            .ToList();
        md.AppendLine().AppendLine("## Cost per operation by tier").AppendLine();
        md.AppendLine("CPU milliseconds each tier's processes spent per operation over the measured window, and the commands Redis processed per operation (every node of the system's Redis that was named).");
        md.AppendLine();
        MarkdownReport.Table(md, ["scenario", "system", "ops/s", .. tiers.Select(tier => $"{tier} CPU ms/op"), "Redis commands/op"], table);
    }

    /// <summary>Tiers in the order a request meets them.</summary>
    private static readonly string[] TierOrder = ["api", "baseline", "silo", "redis"];

    /// <summary>The phase named after the scenario (flash-sale's burst, not its payments), else the last one.</summary>
    private static PhaseReport MainPhase(RunReport report) =>
        report.Phases.FirstOrDefault(p => p.Name == report.Scenario) ?? report.Phases[^1];

    private static string Ratio(double value, double? reference) =>
        reference is > 0 ? (value / reference.Value).ToString("0.00", CultureInfo.InvariantCulture) : "-";

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed record Row(
        string Scenario, string Label, int Rounds, int FailedRounds, double OperationsPerSecond, double RequestsPerSecond, double P50, double P99,
        double? CpuMsPerOperation);
}
