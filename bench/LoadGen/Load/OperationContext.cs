using System.Diagnostics;
using Doorbuster.LoadGen.Http;
using Doorbuster.LoadGen.Metrics;

namespace Doorbuster.LoadGen.Load;

/// <summary>
/// One operation in flight: where it records, when it was meant to start, and its own random numbers (seeded
/// from the run seed and the operation's number, so the choices do not depend on which worker ran it).
/// </summary>
public sealed class OperationContext
{
    private ulong _random;
    private bool _started;

    /// <param name="client">The synthetic client to send as; a random one of <paramref name="clients"/> when not given.</param>
    public OperationContext(PhaseMetrics metrics, long intendedStart, long index, int seed, int clients, int? client = null)
    {
        Metrics = metrics;
        IntendedStart = intendedStart;
        Index = index;
        _random = (ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)index * 0xD1B54A32D192ED03UL;
        ClientIndex = clients > 0 ? client ?? Next(clients) : null;
    }

    public PhaseMetrics Metrics { get; }

    public long IntendedStart { get; }

    public long Index { get; }

    public int? ClientIndex { get; }

    /// <summary>
    /// The start to measure the next request from: the intended start for the first request of the operation,
    /// so time spent waiting to be sent counts as latency (no coordinated omission), and now for later requests.
    /// </summary>
    public long NextRequestStart()
    {
        if (_started)
        {
            return Stopwatch.GetTimestamp();
        }

        _started = true;
        return IntendedStart;
    }

    public void Record(string kind, HttpOutcome outcome, long startTimestamp) => Metrics.Record(kind, outcome, startTimestamp);

    /// <summary>A uniform number in [0, 1).</summary>
    public double NextDouble() => (NextBits() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, max).</summary>
    public int Next(int max) => (int)(NextDouble() * max);

    // SplitMix64: tiny, fast and good enough to pick skus and request kinds.
    private ulong NextBits()
    {
        var z = _random += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
