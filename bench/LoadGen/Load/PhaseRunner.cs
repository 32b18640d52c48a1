using System.Globalization;
using Doorbuster.LoadGen.Metrics;
using Doorbuster.LoadGen.Reporting;
using Spectre.Console;

namespace Doorbuster.LoadGen.Load;

/// <summary>Drives one phase in its mode while showing its progress, and reports its measured part.</summary>
public sealed class PhaseRunner(int seed, int clients, IReadOnlyList<ServerProcess> serverProcesses, RedisCommandCounter? redisCommands)
{
    public async Task<PhaseReport> RunAsync(PhasePlan plan, Workload workload, CancellationToken cancellationToken)
    {
        var phase = new LoadPhase(plan, workload, seed, clients);
        var driver = plan.Mode == LoadMode.Open
            ? OpenLoopDriver.RunAsync(phase, cancellationToken)
            : ClosedLoopDriver.RunAsync(phase, cancellationToken);
        var cost = ServerCost.MeasureAsync(serverProcesses, redisCommands, phase, driver);
        await new LiveProgress().ShowAsync(phase, driver);
        await driver;

        var measuredCost = await cost;
        var report = PhaseReports.From(phase) with
        {
            ServerCpuSeconds = measuredCost is { CpuSecondsByTier.Count: > 0 } ? measuredCost.CpuSeconds : null,
            ServerCpuSecondsByTier = measuredCost is { CpuSecondsByTier.Count: > 0 } ? measuredCost.CpuSecondsByTier : null,
            RedisCommands = measuredCost?.RedisCommands,
        };
        var operations = report.Operations;
        var early = !report.StoppedEarly ? ""
            : cancellationToken.IsCancellationRequested ? " (canceled)"
            : $" (stopped early after {report.DurationSeconds:F1} of {plan.Duration.TotalSeconds:F0} measured seconds: the prepared carts ran out; give a larger --pool)";
        ConsoleMode.Line(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"[{plan.Name}] {operations.Count:N0} operations in {report.DurationSeconds:F1}s: {operations.PerSecond:N0}/s, {report.RequestsPerSecond:N0} requests/s, p50 {operations.LatencyMs.P50:F2} ms, p99 {operations.LatencyMs.P99:F2} ms{early}")));
        return report;
    }
}
