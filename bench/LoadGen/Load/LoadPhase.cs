using System.Diagnostics;
using Doorbuster.LoadGen.Http;
using Doorbuster.LoadGen.Metrics;

namespace Doorbuster.LoadGen.Load;

/// <summary>
/// One phase while it runs: its clock (warm-up, then the measured window), the metrics each operation records
/// into (chosen by the operation's intended start, so nothing that started in the warm-up leaks into the
/// results), and the operations in flight.
/// </summary>
public sealed class LoadPhase(PhasePlan plan, Workload workload, int seed, int clients)
{
    private int _inFlight;
    private long _stoppedAt;

    public PhasePlan Plan { get; } = plan;

    public Workload Workload { get; } = workload;

    public PhaseMetrics WarmupMetrics { get; } = new();

    public PhaseMetrics Metrics { get; } = new();

    public long StartTimestamp { get; private set; }

    public long MeasureStart { get; private set; }

    public long EndTimestamp { get; private set; }

    /// <summary>When the measured window begins, in UTC (the timeline's second 0).</summary>
    public DateTimeOffset MeasuredFrom { get; private set; }

    /// <summary>The measured operations second by second; set when the phase starts.</summary>
    public Timeline? Timeline { get; private set; }

    public int InFlight => Volatile.Read(ref _inFlight);

    public bool StoppedEarly => Interlocked.Read(ref _stoppedAt) != 0;

    public bool Started => StartTimestamp != 0;

    /// <summary>The measured time: from the end of the warm-up to the planned end, or to an early stop.</summary>
    public TimeSpan MeasuredDuration
    {
        get
        {
            var stoppedAt = Interlocked.Read(ref _stoppedAt);
            var end = stoppedAt != 0 ? Math.Min(stoppedAt, EndTimestamp) : EndTimestamp;
            return end <= MeasureStart ? TimeSpan.Zero : Stopwatch.GetElapsedTime(MeasureStart, end);
        }
    }

    public void Start()
    {
        StartTimestamp = Stopwatch.GetTimestamp();
        MeasureStart = StartTimestamp + (long)(Plan.Warmup.TotalSeconds * Stopwatch.Frequency);
        EndTimestamp = MeasureStart + (long)(Plan.Duration.TotalSeconds * Stopwatch.Frequency);
        MeasuredFrom = DateTimeOffset.UtcNow + Plan.Warmup;
        Timeline = new Timeline(MeasureStart, Plan.Duration);
    }

    /// <summary>Ends the phase before its planned end (workload exhausted or run canceled).</summary>
    public void StopEarly() => Interlocked.CompareExchange(ref _stoppedAt, Stopwatch.GetTimestamp(), 0);

    public PhaseMetrics MetricsFor(long intendedStart) => intendedStart >= MeasureStart ? Metrics : WarmupMetrics;

    public PhaseMetrics CurrentMetrics => MetricsFor(Stopwatch.GetTimestamp());

    public OperationContext NewOperation(long intendedStart, long index) =>
        new(MetricsFor(intendedStart), intendedStart, index, seed, clients);

    public void EnterFlight() => Interlocked.Increment(ref _inFlight);

    /// <summary>Runs one operation and records it; an exception from the workload is a recorded failure, not a crash.</summary>
    public async Task<HttpOutcome> RunOperationAsync(OperationContext operation, bool inFlight, CancellationToken cancellationToken)
    {
        HttpOutcome outcome;
        try
        {
            outcome = await Workload.RunAsync(operation, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = new HttpOutcome(0, Failure.Canceled, null, null);
        }
        catch (Exception e)
        {
            outcome = new HttpOutcome(0, Failure.InvalidResponse, null, null, e.Message);
        }
        finally
        {
            if (inFlight)
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        var end = Stopwatch.GetTimestamp();
        operation.Metrics.Operations.Record(outcome, operation.IntendedStart, end);
        if (KindStats.IsTimed(outcome.Failure))
        {
            Timeline?.Record(operation.IntendedStart, KindStats.Micros(operation.IntendedStart, end));
        }

        return outcome;
    }

    /// <summary>Waits for the operations still in flight; each ends by its own request timeouts.</summary>
    public async Task DrainAsync()
    {
        while (InFlight > 0)
        {
            await Task.Delay(10);
        }
    }
}
