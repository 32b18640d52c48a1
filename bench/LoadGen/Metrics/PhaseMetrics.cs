using System.Collections.Concurrent;
using System.Diagnostics;
using Doorbuster.LoadGen.Http;
using HdrHistogram;

namespace Doorbuster.LoadGen.Metrics;

/// <summary>Everything recorded in one stretch of a phase (its warm-up or its measured part): per request kind and per operation.</summary>
public sealed class PhaseMetrics
{
    private readonly ConcurrentDictionary<string, KindStats> _kinds = new(StringComparer.Ordinal);
    private readonly LongConcurrentHistogram _scheduleLag = new(1, 3_600_000_000, 3);
    private long _retryAfterWaits;

    /// <summary>One entry per operation, its latency counted from the operation's intended start.</summary>
    public KindStats Operations { get; } = new("operation");

    public IReadOnlyList<KindStats> Kinds => [.. _kinds.Values.OrderBy(k => k.Kind, StringComparer.Ordinal)];

    public long RetryAfterWaits => Interlocked.Read(ref _retryAfterWaits);

    public HistogramBase ScheduleLag => _scheduleLag;

    public KindStats Kind(string kind) => _kinds.GetOrAdd(kind, static k => new KindStats(k));

    public void Record(string kind, HttpOutcome outcome, long startTimestamp) =>
        Kind(kind).Record(outcome, startTimestamp, Stopwatch.GetTimestamp());

    public void RecordRetryAfterWait() => Interlocked.Increment(ref _retryAfterWaits);

    /// <summary>How late the open-loop scheduler launched an operation after its intended start.</summary>
    public void RecordScheduleLag(long intendedTimestamp, long launchedTimestamp) =>
        _scheduleLag.RecordValue(Math.Clamp(Stopwatch.GetElapsedTime(intendedTimestamp, launchedTimestamp).Ticks / 10, 1, 3_600_000_000));

    public long RequestAttempts => _kinds.Values.Sum(k => k.Attempts);

    public long CountOf(int status) => _kinds.Values.Sum(k => k.CountOf(status));

    public long CountWhere(Func<int, bool> statusFilter) => _kinds.Values.Sum(k => k.CountWhere(statusFilter));

    public long Timeouts => _kinds.Values.Sum(k => k.Timeouts);

    public long Errors => _kinds.Values.Sum(k => k.Errors);
}
