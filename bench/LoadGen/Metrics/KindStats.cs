using System.Diagnostics;
using System.Globalization;
using Doorbuster.LoadGen.Http;
using Doorbuster.LoadGen.Reporting;
using HdrHistogram;

namespace Doorbuster.LoadGen.Metrics;

/// <summary>
/// Outcomes of one kind of request, safe to record from any number of threads. Latencies go into HdrHistograms in
/// microseconds: every response and timeout into <c>all</c>, all but the 429s into <c>admitted</c>, so that shed
/// requests (answered fast) do not flatter the latency of the ones the server took on, and the 429s into
/// <c>shed</c>, so that how fast a refusal comes is seen on its own.
/// </summary>
public sealed class KindStats(string kind)
{
    private const long HighestMicros = 3_600_000_000;
    private const int MaxStatus = 600;

    private readonly LongConcurrentHistogram _all = new(1, HighestMicros, 3);
    private readonly LongConcurrentHistogram _admitted = new(1, HighestMicros, 3);
    private readonly LongConcurrentHistogram _shed = new(1, HighestMicros, 3);
    private readonly long[] _statuses = new long[MaxStatus];
    private long _timeouts;
    private long _networkErrors;
    private long _invalid;
    private long _canceled;
    private long _dropped;
    private long _skipped;

    public string Kind { get; } = kind;

    /// <summary>Requests that got an answer, timed out or failed on the network.</summary>
    public long Attempts => _all.TotalCount + Interlocked.Read(ref _networkErrors) + Interlocked.Read(ref _invalid);

    public long Dropped => Interlocked.Read(ref _dropped);

    public long CountOf(int status) => Interlocked.Read(ref _statuses[Math.Clamp(status, 0, MaxStatus - 1)]);

    public long CountWhere(Func<int, bool> statusFilter)
    {
        long count = 0;
        for (var status = 0; status < MaxStatus; status++)
        {
            if (statusFilter(status))
            {
                count += Interlocked.Read(ref _statuses[status]);
            }
        }

        return count;
    }

    public long Timeouts => Interlocked.Read(ref _timeouts);

    public long Errors => Interlocked.Read(ref _networkErrors) + Interlocked.Read(ref _invalid);

    /// <summary>Whether an outcome has a latency: an answer or a timeout (a network error or a cancel has none).</summary>
    public static bool IsTimed(Failure failure) => failure is Failure.None or Failure.Timeout;

    /// <summary>Microseconds between two <see cref="Stopwatch"/> timestamps, as every latency here is recorded.</summary>
    public static long Micros(long startTimestamp, long endTimestamp) =>
        Math.Clamp(Stopwatch.GetElapsedTime(startTimestamp, endTimestamp).Ticks / 10, 1, HighestMicros);

    public void Record(HttpOutcome outcome, long startTimestamp, long endTimestamp)
    {
        var micros = Micros(startTimestamp, endTimestamp);
        switch (outcome.Failure)
        {
            case Failure.None:
                Interlocked.Increment(ref _statuses[Math.Clamp(outcome.Status, 0, MaxStatus - 1)]);
                _all.RecordValue(micros);
                (outcome.Status == 429 ? _shed : _admitted).RecordValue(micros);

                break;
            case Failure.Timeout:
                Interlocked.Increment(ref _timeouts);
                _all.RecordValue(micros);
                _admitted.RecordValue(micros);
                break;
            case Failure.NetworkError:
                Interlocked.Increment(ref _networkErrors);
                break;
            case Failure.InvalidResponse:
                Interlocked.Increment(ref _invalid);
                break;
            case Failure.Canceled:
                Interlocked.Increment(ref _canceled);
                break;
            case Failure.Skipped:
                Interlocked.Increment(ref _skipped);
                break;
        }
    }

    /// <summary>A short summary for progress lines: <c>200:1,234 429:5 timeout:1</c>.</summary>
    public string Statuses()
    {
        var parts = new List<string>();
        for (var status = 0; status < MaxStatus; status++)
        {
            var count = Interlocked.Read(ref _statuses[status]);
            if (count > 0)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{status}:{count:N0}"));
            }
        }

        AddIfAny(parts, "timeout", Timeouts);
        AddIfAny(parts, "network-error", Interlocked.Read(ref _networkErrors));
        AddIfAny(parts, "invalid", Interlocked.Read(ref _invalid));
        AddIfAny(parts, "dropped", Dropped);
        AddIfAny(parts, "skipped", Interlocked.Read(ref _skipped));
        return parts.Count == 0 ? "-" : string.Join(' ', parts);
    }

    public void RecordDropped() => Interlocked.Increment(ref _dropped);

    /// <summary>Percentile of everything recorded so far, in milliseconds (live progress may read while others record).</summary>
    public double PercentileMs(double percentile) =>
        _all.TotalCount == 0 ? 0 : _all.GetValueAtPercentile(percentile) / 1000.0;

    public KindReport ToReport(TimeSpan duration)
    {
        var statusCodes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var status = 0; status < MaxStatus; status++)
        {
            var count = Interlocked.Read(ref _statuses[status]);
            if (count > 0)
            {
                statusCodes[status.ToString(CultureInfo.InvariantCulture)] = count;
            }
        }

        var attempts = Attempts;
        return new KindReport(
            Kind,
            attempts,
            PerSecond(attempts, duration),
            CountWhere(status => status is >= 200 and < 300),
            Latency(_all),
            Latency(_admitted),
            Latency(_shed),
            statusCodes,
            CountWhere(status => status >= 500),
            Timeouts,
            Interlocked.Read(ref _networkErrors),
            Interlocked.Read(ref _invalid),
            Dropped,
            Interlocked.Read(ref _skipped),
            Interlocked.Read(ref _canceled));
    }

    /// <summary>Adds this kind's admitted latencies to <paramref name="target"/> (an aggregate over kinds).</summary>
    public void AddAdmittedTo(HistogramBase target) => target.Add(_admitted);

    /// <summary>Adds this kind's shed (429) latencies to <paramref name="target"/>.</summary>
    public void AddShedTo(HistogramBase target) => target.Add(_shed);

    public static LatencyReport Latency(HistogramBase histogram) =>
        histogram.TotalCount == 0
            ? new LatencyReport(0, 0, 0, 0, 0, 0, 0)
            : new LatencyReport(
                histogram.TotalCount,
                Ms(histogram.GetValueAtPercentile(50)),
                Ms(histogram.GetValueAtPercentile(90)),
                Ms(histogram.GetValueAtPercentile(99)),
                Ms(histogram.GetValueAtPercentile(99.9)),
                Ms(histogram.GetMaxValue()),
                Math.Round(histogram.GetMean() / 1000.0, 3));

    public static HistogramBase NewHistogram() => new LongHistogram(1, HighestMicros, 3);

    public static double PerSecond(long count, TimeSpan duration) =>
        duration <= TimeSpan.Zero ? 0 : Math.Round(count / duration.TotalSeconds, 1);

    private static void AddIfAny(List<string> parts, string name, long count)
    {
        if (count > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{name}:{count:N0}"));
        }
    }

    private static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
}
