using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

// Measures a running .NET process's GC pauses from the runtime's own events (EventPipe, the GC keyword at
// Informational level, as dotnet-trace's gc-collect profile): each pause is the time from suspending the
// managed threads to restarting them, so a background GC's two short suspensions count as two pauses.
// Prints one line: the pauses' count, percentiles, longest and share of the time.
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

var pauses = new List<double>();
var generations = new int[3];
double? suspendedAt = null;
source.Clr.GCSuspendEEStart += data => suspendedAt = data.TimeStampRelativeMSec;
source.Clr.GCRestartEEStop += data =>
{
    if (suspendedAt is { } start)
    {
        pauses.Add(data.TimeStampRelativeMSec - start);
        suspendedAt = null;
    }
};
source.Clr.GCStart += data => generations[Math.Min(data.Depth, 2)]++;

var stop = Task.Delay(TimeSpan.FromSeconds(seconds)).ContinueWith(_ => session.Stop(), TaskScheduler.Default);
source.Process();
await stop;

pauses.Sort();
double Percentile(double p) => pauses.Count == 0 ? 0 : pauses[Math.Min(pauses.Count - 1, (int)Math.Ceiling(p / 100 * pauses.Count) - 1)];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{label}: {pauses.Count} GC pauses in {seconds:0.#} s (GCs: gen0 {generations[0]}, gen1 {generations[1]}, gen2 {generations[2]}), " +
    $"p50 {Percentile(50):0.0} ms, p99 {Percentile(99):0.0} ms, max {(pauses.Count == 0 ? 0 : pauses[^1]):0.0} ms, " +
    $"paused {pauses.Sum():0} ms ({pauses.Sum() / (seconds * 10):0.0}% of the time)"));
return 0;
