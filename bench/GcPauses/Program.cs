using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

// Measures a running .NET process's GC pauses from the runtime's own events (EventPipe, the GC keyword at
// Informational level, as dotnet-trace's gc-collect profile): each pause is the time from suspending the
// managed threads to restarting them, so a background GC's two short suspensions count as two pauses.
// Prints one line: the pauses' count, percentiles, longest and share of the time; then where a pause's time goes:
// suspending the threads (waiting for each to reach a safe point), and the blocking collections by generation with
// the bytes each promoted, and the mean time of each stage of its mark phase (the runtime reports each root kind's
// marking as it finishes it, as PerfView's mark times do: stack, finalization queue, handles, older generations'
// cards, dependent handles...) and of what follows marking (planning, relocating, compacting or sweeping); last, the
// three longest pauses with their collection (a pause outside a blocking one is a background collection's) and UTC time.
// Usage: Doorbuster.GcPauses PID SECONDS [LABEL]
if (args.Length < 2 || !int.TryParse(args[0], CultureInfo.InvariantCulture, out var pid) || !double.TryParse(args[1], CultureInfo.InvariantCulture, out var seconds))
{
    Console.Error.WriteLine("Usage: Doorbuster.GcPauses PID SECONDS [LABEL]");
    return 2;
}

var label = args.Length > 2 ? args[2] : $"pid {pid}";
var client = new DiagnosticsClient(pid);
var gc = new EventPipeProvider(ClrTraceEventParser.ProviderName, EventLevel.Informational, (long)ClrTraceEventParser.Keywords.GC);
using var session = client.StartEventPipeSession([gc], requestRundown: false);
using var source = new EventPipeEventSource(session.EventStream);

// Every pause with what it belonged to and when (UTC), to line the longest up with a load generator's timeline.
var timedPauses = new List<(double Ms, string Kind, DateTime At)>();
var suspensions = new List<double>();
var generations = new int[3];
// A blocking collection's pause (suspend to restart) and what it promoted, by its generation: gen-2 background
// collections run beside the threads and are left out.
var blocking = new[] { new List<(double Pause, double PromotedMB)>(), [], [] };
double? suspendedAt = null;
int? blockingDepth = null;
double promotedMB = 0;
// Stage times of the blocking collection in progress, and their sums by generation and stage.
var stages = new[] { new Dictionary<string, double>(), [], [] };
double? stageMark = null;
var inProgress = new List<(string Stage, double Ms)>();
source.Clr.GCSuspendEEStart += data => suspendedAt = data.TimeStampRelativeMSec;
source.Clr.GCSuspendEEStop += data =>
{
    if (suspendedAt is { } start) suspensions.Add(data.TimeStampRelativeMSec - start);
};
source.Clr.GCStart += data =>
{
    var depth = Math.Min(data.Depth, 2);
    generations[depth]++;
    blockingDepth = data.Type == Microsoft.Diagnostics.Tracing.Parsers.Clr.GCType.BackgroundGC ? null : depth;
    stageMark = blockingDepth is null ? null : data.TimeStampRelativeMSec;
    inProgress.Clear();
};
source.Clr.GCMarkWithType += data =>
{
    if (stageMark is not { } last) return;
    inProgress.Add((MarkStage((int)data.Type), data.TimeStampRelativeMSec - last));
    stageMark = data.TimeStampRelativeMSec;
};
source.Clr.GCStop += data =>
{
    if (stageMark is not { } last || blockingDepth is not { } depth) return;
    inProgress.Add(("after-mark", data.TimeStampRelativeMSec - last));
    foreach (var (stage, ms) in inProgress) stages[depth][stage] = stages[depth].GetValueOrDefault(stage) + ms;
    stageMark = null;
};
source.Clr.GCHeapStats += data =>
    promotedMB = (data.TotalPromotedSize0 + data.TotalPromotedSize1 + data.TotalPromotedSize2 + data.TotalPromotedSize3) / 1048576.0;
source.Clr.GCRestartEEStop += data =>
{
    if (suspendedAt is { } start)
    {
        var pause = data.TimeStampRelativeMSec - start;
        timedPauses.Add((pause, blockingDepth is { } gen ? $"gen{gen}" : "background gen2", data.TimeStamp.ToUniversalTime()));
        if (blockingDepth is { } depth) blocking[depth].Add((pause, promotedMB));
        suspendedAt = null;
    }

    blockingDepth = null;
};

var stop = Task.Delay(TimeSpan.FromSeconds(seconds)).ContinueWith(_ => session.Stop(), TaskScheduler.Default);
source.Process();
await stop;

static double Percentile(List<double> values, double p)
{
    if (values.Count == 0) return 0;
    values.Sort();
    return values[Math.Min(values.Count - 1, (int)Math.Ceiling(p / 100 * values.Count) - 1)];
}

// The runtime's kinds of root, numbered as its GC mark events number them (TraceEvent's MarkRootType), with plain names.
static string MarkStage(int type) => type switch
{
    0 => "stack",
    1 => "finalize-queue",
    2 => "handles",
    3 => "cards",
    4 => "sized-refs",
    5 => "overflow",
    6 => "dependent-handles",
    7 => "new-finalizable",
    _ => $"mark-{type}",
};

string StageTimes(int depth, int count) => string.Join(" ", stages[depth]
    .Where(stage => stage.Value / count >= 0.05)
    .Select(stage => string.Create(CultureInfo.InvariantCulture, $"{stage.Key} {stage.Value / count:0.0}")));

var byGeneration = string.Join(", ", blocking.Select((gcs, depth) => (gcs, depth)).Where(g => g.gcs.Count > 0).Select(g =>
    string.Create(CultureInfo.InvariantCulture,
        $"gen{g.depth} x{g.gcs.Count} p50 {Percentile([.. g.gcs.Select(c => c.Pause)], 50):0.0} ms, max {g.gcs.Max(c => c.Pause):0.0} ms, " +
        $"promoting p50 {Percentile([.. g.gcs.Select(c => c.PromotedMB)], 50):0.0} MB, mean ms {StageTimes(g.depth, g.gcs.Count)}")));
List<double> pauses = [.. timedPauses.Select(p => p.Ms)];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{label}: {pauses.Count} GC pauses in {seconds:0.#} s (GCs: gen0 {generations[0]}, gen1 {generations[1]}, gen2 {generations[2]}), " +
    $"p50 {Percentile(pauses, 50):0.0} ms, p99 {Percentile(pauses, 99):0.0} ms, max {(pauses.Count == 0 ? 0 : pauses.Max()):0.0} ms, " +
    $"paused {pauses.Sum():0} ms ({pauses.Sum() / (seconds * 10):0.0}% of the time); " +
    $"suspending p50 {Percentile(suspensions, 50):0.0} ms, max {(suspensions.Count == 0 ? 0 : suspensions.Max()):0.0} ms; blocking {byGeneration}; " +
    $"longest: {string.Join(", ", timedPauses.OrderByDescending(p => p.Ms).Take(3).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Ms:0.0} ms {p.Kind} at {p.At:HH:mm:ss}")))}"));
return 0;
