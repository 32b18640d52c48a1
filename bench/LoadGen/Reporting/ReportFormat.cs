using System.Globalization;

namespace Doorbuster.LoadGen.Reporting;

/// <summary>The rows and numbers that the console summary and the Markdown report share.</summary>
public static class ReportFormat
{
    public static readonly string[] KindColumns =
        ["kind", "count", "per s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "2xx", "5xx", "timeouts", "errors", "dropped", "skipped", "status codes"];

    public static string[] KindRow(KindReport kind) =>
    [
        kind.Kind,
        Number(kind.Count),
        Number(kind.PerSecond),
        Ms(kind.LatencyMs.P50),
        Ms(kind.LatencyMs.P90),
        Ms(kind.LatencyMs.P99),
        Ms(kind.LatencyMs.P999),
        Ms(kind.LatencyMs.Max),
        Number(kind.Success),
        Number(kind.ServerErrors),
        Number(kind.Timeouts),
        Number(kind.NetworkErrors + kind.InvalidResponses),
        Number(kind.Dropped),
        Number(kind.Skipped),
        kind.StatusCodes.Count == 0 ? "-" : string.Join(" ", kind.StatusCodes.Select(s => $"{s.Key}:{s.Value}")),
    ];

    public static string PhaseTitle(PhaseReport phase)
    {
        var load = phase.Mode switch
        {
            "open-loop" => $"open loop at {Number(phase.OfferedRate ?? 0)}/s",
            "closed-loop" => $"closed loop, {phase.Connections} connections",
            _ => $"burst, {phase.Connections} at once",
        };
        var early = phase.StoppedEarly ? ", stopped early" : "";
        return string.Create(CultureInfo.InvariantCulture, $"{phase.Name}: {load}, {phase.DurationSeconds:0.###} s measured{early}");
    }

    public static string PhaseFooter(PhaseReport phase)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{Number(phase.RequestCount)} requests, {Number(phase.RequestsPerSecond)}/s, goodput {Number(phase.GoodputPerSecond)}/s, 429 {Percent(phase.Share429)}, 503 {Percent(phase.Share503)}, admitted p50 {Ms(phase.AdmittedLatencyMs.P50)} ms p99 {Ms(phase.AdmittedLatencyMs.P99)} ms");
        if (phase.ShedLatencyMs.Count > 0)
        {
            text += string.Create(CultureInfo.InvariantCulture, $", shed p50 {Ms(phase.ShedLatencyMs.P50)} ms p99 {Ms(phase.ShedLatencyMs.P99)} ms");
        }

        if (phase.ScheduleLagMs is { } lag)
        {
            text += string.Create(CultureInfo.InvariantCulture, $", scheduler lag p50 {Ms(lag.P50)} ms p99 {Ms(lag.P99)} ms");
        }

        if (phase.RetryAfterWaits > 0)
        {
            text += string.Create(CultureInfo.InvariantCulture, $", {phase.RetryAfterWaits} Retry-After waits");
        }

        if (phase.Timeline is { Count: > 0 } timeline)
        {
            text += ", worst seconds (p99, max): " + string.Join(", ", timeline.OrderByDescending(second => second.P99).Take(3).Select(second =>
                string.Create(CultureInfo.InvariantCulture, $"{second.Second}s {Ms(second.P99)}/{Ms(second.Max)} ms")));
        }

        return text;
    }

    public static readonly string[] StepColumns =
        ["step", "offered ops/s", "good ops/s", "429", "503", "admitted p50 ms", "admitted p99 ms", "shed p50 ms", "shed p99 ms", "dropped", "timeouts"];

    public static string[] StepRow(OverloadStepReport step) =>
    [
        step.Step,
        Number(step.OfferedRate),
        Number(step.GoodputPerSecond),
        Percent(step.Share429),
        Percent(step.Share503),
        Ms(step.AdmittedP50Ms),
        Ms(step.AdmittedP99Ms),
        step.ShedP50Ms is { } shedP50 ? Ms(shedP50) : "-",
        step.ShedP99Ms is { } shedP99 ? Ms(shedP99) : "-",
        Number(step.Dropped),
        Number(step.Timeouts),
    ];

    public static string Number(double value) => value.ToString(value >= 100 || value == Math.Floor(value) ? "N0" : "N1", CultureInfo.InvariantCulture);

    public static string Ms(double value) => value.ToString(value >= 100 ? "N0" : "0.00", CultureInfo.InvariantCulture);

    public static string Percent(double share) => share.ToString("0.0%", CultureInfo.InvariantCulture);
}
