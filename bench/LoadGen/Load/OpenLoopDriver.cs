using System.Diagnostics;

namespace Doorbuster.LoadGen.Load;

/// <summary>
/// Constant arrival rate: operation <c>i</c> is due at <c>start + i / rate</c> whatever happened to the earlier
/// ones, and its latency is counted from that intended time. A slow server therefore shows as latency instead of
/// quietly lowering the offered load (no coordinated omission). An operation due while <c>MaxInFlight</c> are
/// outstanding is not sent and is counted as dropped.
/// </summary>
public static class OpenLoopDriver
{
    public static async Task RunAsync(LoadPhase phase, CancellationToken cancellationToken)
    {
        // The schedule runs on a thread of its own that sleeps precisely between launches; the operations run on the pool.
        var scheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Schedule(phase, cancellationToken);
                scheduled.SetResult();
            }
            catch (Exception e)
            {
                scheduled.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "open-loop schedule",
            Priority = ThreadPriority.AboveNormal,
        };
        thread.Start();
        await scheduled.Task;
        await phase.DrainAsync();
    }

    private static void Schedule(LoadPhase phase, CancellationToken cancellationToken)
    {
        var ticksPerOperation = Stopwatch.Frequency / phase.Plan.Rate!.Value;
        phase.Start();
        var start = phase.StartTimestamp;
        long index = 0;
        while (true)
        {
            if (cancellationToken.IsCancellationRequested || phase.Workload.IsExhausted)
            {
                phase.StopEarly();
                return;
            }

            // Launch everything that is due; after a late wake-up that is a batch, each with its own intended start.
            var now = Stopwatch.GetTimestamp();
            var due = start + (long)(index * ticksPerOperation);
            while (due <= now && due < phase.EndTimestamp)
            {
                Launch(phase, due, index, now, cancellationToken);
                index++;
                due = start + (long)(index * ticksPerOperation);
            }

            if (due >= phase.EndTimestamp)
            {
                return;
            }

            PreciseSleep.Until(due);
        }
    }

    private static void Launch(LoadPhase phase, long due, long index, long now, CancellationToken cancellationToken)
    {
        var metrics = phase.MetricsFor(due);
        if (phase.InFlight >= phase.Plan.MaxInFlight)
        {
            metrics.Operations.RecordDropped();
            return;
        }

        metrics.RecordScheduleLag(due, now);
        phase.EnterFlight();
        var operation = phase.NewOperation(due, index);
        _ = Task.Run(() => phase.RunOperationAsync(operation, inFlight: true, cancellationToken), CancellationToken.None);
    }
}
