using Doorbuster.LoadGen.Load;
using Doorbuster.LoadGen.Metrics;

namespace Doorbuster.LoadGen.Reporting;

/// <summary>Turns the measured part of a finished phase into its report.</summary>
public static class PhaseReports
{
    public static PhaseReport From(LoadPhase phase) =>
        From(phase.Plan, phase.Metrics, phase.MeasuredDuration, phase.StoppedEarly) with { MeasuredFrom = phase.MeasuredFrom, Timeline = phase.Timeline?.ToReport() };

    public static PhaseReport From(PhasePlan plan, PhaseMetrics metrics, TimeSpan duration, bool stoppedEarly)
    {
        var kinds = metrics.Kinds;
        var attempts = metrics.RequestAttempts;
        var (admitted, shed) = (KindStats.NewHistogram(), KindStats.NewHistogram());
        foreach (var kind in kinds)
        {
            kind.AddAdmittedTo(admitted);
            kind.AddShedTo(shed);
        }

        return new PhaseReport(
            plan.Name,
            plan.ModeName,
            plan.Mode == LoadMode.Open ? plan.Rate : null,
            plan.Mode == LoadMode.Open ? null : plan.Connections,
            Math.Round(duration.TotalSeconds, 3),
            stoppedEarly,
            metrics.Operations.ToReport(duration),
            [.. kinds.Select(kind => kind.ToReport(duration))],
            attempts,
            KindStats.PerSecond(attempts, duration),
            KindStats.PerSecond(metrics.CountWhere(status => status is >= 200 and < 300), duration),
            Share(metrics.CountOf(429), attempts),
            Share(metrics.CountOf(503), attempts),
            KindStats.Latency(admitted),
            KindStats.Latency(shed),
            plan.Mode == LoadMode.Open ? KindStats.Latency(metrics.ScheduleLag) : null,
            metrics.RetryAfterWaits);
    }

    private static double Share(long count, long total) => total == 0 ? 0 : Math.Round((double)count / total, 4);
}
