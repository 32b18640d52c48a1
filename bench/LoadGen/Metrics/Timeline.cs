using System.Diagnostics;
using Doorbuster.LoadGen.Reporting;
using HdrHistogram;

namespace Doorbuster.LoadGen.Metrics;

/// <summary>
/// The measured operations second by second, each in the second of its intended start: when in a run the tail
/// happened (a collector's pause, a sweep of idle activations, a stall), which a percentile over the whole run
/// hides. Safe to record from any number of threads.
/// </summary>
public sealed class Timeline(long origin, TimeSpan duration)
{
    // Coarser than the run's own histograms (two significant digits, at most a minute): a second's p99 needs no
    // more, and a long run keeps one histogram a second.
    private const long HighestMicros = 60_000_000;

    private readonly LongConcurrentHistogram?[] _seconds = new LongConcurrentHistogram?[(int)Math.Ceiling(duration.TotalSeconds)];

    public void Record(long intendedStart, long micros)
    {
        var second = (int)((intendedStart - origin) / Stopwatch.Frequency);
        if (intendedStart < origin || second >= _seconds.Length)
        {
            return;
        }

        var histogram = Volatile.Read(ref _seconds[second]);
        if (histogram is null)
        {
            Interlocked.CompareExchange(ref _seconds[second], new LongConcurrentHistogram(1, HighestMicros, 2), null);
            histogram = _seconds[second]!;
        }

        histogram.RecordValue(Math.Clamp(micros, 1, HighestMicros));
    }

    /// <summary>Every second that had operations, in order.</summary>
    public IReadOnlyList<SecondReport> ToReport() =>
    [
        .. _seconds
            .Select((histogram, second) => (histogram, second))
            .Where(entry => entry.histogram is { TotalCount: > 0 })
            .Select(entry => new SecondReport(entry.second, entry.histogram!.TotalCount, Ms(entry.histogram.GetValueAtPercentile(99)), Ms(entry.histogram.GetMaxValue()))),
    ];

    private static double Ms(long micros) => Math.Round(micros / 1000.0, 2);
}
