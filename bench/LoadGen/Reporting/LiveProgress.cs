using System.Diagnostics;
using System.Globalization;
using System.Text;
using Doorbuster.LoadGen.Load;
using Doorbuster.LoadGen.Metrics;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Doorbuster.LoadGen.Reporting;

/// <summary>
/// Shows a running phase: a live table on a terminal, or one plain line every few seconds when the output is a
/// log. Rates are over the last refresh; percentiles are over everything the current stage recorded so far.
/// </summary>
public sealed class LiveProgress
{
    private readonly Dictionary<string, long> _previous = new(StringComparer.Ordinal);
    private long _previousTimestamp;
    private PhaseMetrics? _previousMetrics;

    public async Task ShowAsync(LoadPhase phase, Task driver)
    {
        while (!phase.Started && !driver.IsCompleted)
        {
            await Task.Delay(10);
        }

        _previousTimestamp = Stopwatch.GetTimestamp();
        if (ConsoleMode.Interactive)
        {
            await AnsiConsole.Live(Render(phase)).AutoClear(true).StartAsync(async context =>
            {
                while (!driver.IsCompleted)
                {
                    await Task.WhenAny(driver, Task.Delay(500));
                    context.UpdateTarget(Render(phase));
                }
            });
        }
        else
        {
            while (!driver.IsCompleted)
            {
                await Task.WhenAny(driver, Task.Delay(ConsoleMode.PlainInterval));
                if (!driver.IsCompleted)
                {
                    Console.WriteLine(PlainLine(phase));
                }
            }
        }
    }

    private IRenderable Render(LoadPhase phase)
    {
        var metrics = phase.CurrentMetrics;
        var seconds = Interval();
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(Headline(phase)));
        foreach (var column in new[] { "kind", "count", "per s", "p50 ms", "p99 ms", "statuses" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var kind in metrics.Kinds.Prepend(metrics.Operations))
        {
            table.AddRow(
                Markup.Escape(kind.Kind),
                kind.Attempts.ToString("N0", CultureInfo.InvariantCulture),
                Rate(metrics, kind, seconds).ToString("N0", CultureInfo.InvariantCulture),
                kind.PercentileMs(50).ToString("F2", CultureInfo.InvariantCulture),
                kind.PercentileMs(99).ToString("F2", CultureInfo.InvariantCulture),
                Markup.Escape(kind.Statuses()));
        }

        return table;
    }

    private string PlainLine(LoadPhase phase)
    {
        var metrics = phase.CurrentMetrics;
        var seconds = Interval();
        var operations = metrics.Operations;
        var line = new StringBuilder(Headline(phase));
        line.Append(CultureInfo.InvariantCulture,
            $" | ops {operations.Attempts:N0} ({Rate(metrics, operations, seconds):N0}/s) p50 {operations.PercentileMs(50):F2} ms p99 {operations.PercentileMs(99):F2} ms {operations.Statuses()}");
        foreach (var kind in metrics.Kinds)
        {
            line.Append(CultureInfo.InvariantCulture, $" | {kind.Kind} {kind.Statuses()}");
        }

        return line.ToString();
    }

    private static string Headline(LoadPhase phase)
    {
        var now = Stopwatch.GetTimestamp();
        var (stage, elapsed, total) = now < phase.MeasureStart
            ? ("warm-up", Stopwatch.GetElapsedTime(phase.StartTimestamp, now), phase.Plan.Warmup)
            : now < phase.EndTimestamp
                ? ("measuring", Stopwatch.GetElapsedTime(phase.MeasureStart, now), phase.Plan.Duration)
                : ("draining", phase.Plan.Duration, phase.Plan.Duration);
        var load = phase.Plan.Mode == LoadMode.Open
            ? string.Create(CultureInfo.InvariantCulture, $"{phase.Plan.Rate:N0}/s open loop, {phase.InFlight} in flight")
            : string.Create(CultureInfo.InvariantCulture, $"{phase.Plan.Connections} connections closed loop");
        return string.Create(CultureInfo.InvariantCulture,
            $"[{phase.Plan.Name}] {stage} {elapsed.TotalSeconds:F0}s/{total.TotalSeconds:F0}s, {load}");
    }

    private double Interval()
    {
        var now = Stopwatch.GetTimestamp();
        var seconds = Stopwatch.GetElapsedTime(_previousTimestamp, now).TotalSeconds;
        _previousTimestamp = now;
        return seconds;
    }

    private double Rate(PhaseMetrics metrics, KindStats kind, double seconds)
    {
        // The warm-up and the measured part record into different metrics: start counting afresh at the switch.
        if (!ReferenceEquals(metrics, _previousMetrics))
        {
            _previous.Clear();
            _previousMetrics = metrics;
        }

        var count = kind.Attempts;
        var before = _previous.GetValueOrDefault(kind.Kind);
        _previous[kind.Kind] = count;
        return seconds <= 0 ? 0 : (count - before) / seconds;
    }
}
