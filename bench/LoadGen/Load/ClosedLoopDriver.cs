using System.Diagnostics;
using Doorbuster.LoadGen.Http;

namespace Doorbuster.LoadGen.Load;

/// <summary>
/// A fixed number of workers, each sending its next operation as soon as the last one answered. Measures the
/// throughput a given concurrency reaches; latency is counted from each operation's actual start. A 429 or 503
/// with <c>Retry-After</c> makes the worker wait that long, as a well-behaved client would.
/// </summary>
public static class ClosedLoopDriver
{
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(30);

    public static async Task RunAsync(LoadPhase phase, CancellationToken cancellationToken)
    {
        long counter = -1;
        phase.Start();
        var workers = Enumerable.Range(0, phase.Plan.Connections).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                if (cancellationToken.IsCancellationRequested || phase.Workload.IsExhausted)
                {
                    phase.StopEarly();
                    return;
                }

                var now = Stopwatch.GetTimestamp();
                if (now >= phase.EndTimestamp)
                {
                    return;
                }

                var operation = phase.NewOperation(now, Interlocked.Increment(ref counter));
                var outcome = await phase.RunOperationAsync(operation, inFlight: false, cancellationToken);
                if (outcome.IsShed && outcome.RetryAfter is { } retryAfter && retryAfter > TimeSpan.Zero)
                {
                    operation.Metrics.RecordRetryAfterWait();
                    await WaitAsync(phase, retryAfter, cancellationToken);
                }
            }
        }, CancellationToken.None));
        await Task.WhenAll(workers);
    }

    private static async Task WaitAsync(LoadPhase phase, TimeSpan retryAfter, CancellationToken cancellationToken)
    {
        var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), phase.EndTimestamp);
        var wait = new[] { retryAfter, MaxRetryAfter, left }.Min();
        if (wait > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(wait, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The run is stopping; the loop sees the token.
            }
        }
    }
}
