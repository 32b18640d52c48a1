using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Doorbuster.ServiceDefaults.Redis;

/// <summary>
/// More thread-pool threads while Redis connections fail; the normal minimum again once the followed connection
/// reaches a primary and no connection has failed or been restored for <see cref="Calm"/>.
/// </summary>
/// <remarks>
/// StackExchange.Redis handles a Sentinel failover with blocking calls on thread-pool threads: it asks the
/// Sentinels for the primary synchronously (in parallel, so on several threads) from a timer and from its
/// connection events, and waits on its own reconfiguration. On two cores the pool starts with two threads, so
/// those calls starved it: silos logged "Thread Pool execution stalled" for 1.5-3.1 s right as the new primary
/// was promoted, and no cart write was acknowledged for 4.3-7.1 s after the primary was killed (CI once: 11.7 s).
/// With a minimum of <see cref="MinimumWorkerThreads"/> the clients were writing to the new primary within a
/// fraction of a second of its promotion (3.4 and 3.7 s after the kill). Raising the minimum for good costs
/// throughput on few cores (more threads, more context switches: docs/performance.md), so it is raised only
/// while connections fail. The calm period alone cannot say that: StackExchange.Redis reports a lost connection
/// once, not at each failed attempt to reconnect, so an outage longer than the calm period is quiet too.
/// </remarks>
public sealed class FailoverHeadroom : IDisposable
{
    /// <summary>The thread-pool minimum while a connection fails: enough for the blocking calls and the work around them.</summary>
    public const int MinimumWorkerThreads = 16;

    /// <summary>How long after the last connection failure or restore (and with a primary connected) the normal minimum comes back.</summary>
    public static readonly TimeSpan Calm = TimeSpan.FromSeconds(30);

    private readonly ILogger<FailoverHeadroom> _logger;
    private readonly TimeSpan _calm;
    private readonly Timer _restore;
    private readonly Lock _gate = new();
    private IConnectionMultiplexer? _redis;
    private int _normalWorkers;
    private int _normalCompletionPorts;
    private bool _raised;
    private bool _disposed;

    /// <param name="logger">Says when the minimum is raised and restored.</param>
    /// <param name="calm">How long without a failure or restore before the normal minimum comes back; <see cref="Calm"/> unless given.</param>
    public FailoverHeadroom(ILogger<FailoverHeadroom> logger, TimeSpan? calm = null)
    {
        _logger = logger;
        _calm = calm ?? Calm;
        _restore = new Timer(_ => CalmPeriodEnded(), null, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>
    /// Raises the minimum when a connection of <paramref name="redis"/> fails, and keeps it raised until
    /// <paramref name="redis"/> reaches a primary again.
    /// </summary>
    public void Follow(IConnectionMultiplexer redis)
    {
        _redis = redis;
        redis.ConnectionFailed += (_, _) => ConnectionFailed();
        redis.ConnectionRestored += (_, _) => ConnectionRestored();
    }

    /// <summary>A connection failed: raise the minimum, and keep it raised for the calm period from now.</summary>
    public void ConnectionFailed()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (!_raised)
            {
                ThreadPool.GetMinThreads(out _normalWorkers, out _normalCompletionPorts);
                if (_normalWorkers >= MinimumWorkerThreads)
                {
                    return;
                }

                ThreadPool.SetMinThreads(MinimumWorkerThreads, _normalCompletionPorts);
                _raised = true;
                _logger.LogInformation(
                    "Raised the thread-pool minimum from {Normal} to {Raised} worker threads while Redis connections fail", _normalWorkers, MinimumWorkerThreads);
            }

            _restore.Change(_calm, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>A connection is back: the calm period starts again from now, since a failover is busiest around its end.</summary>
    public void ConnectionRestored()
    {
        lock (_gate)
        {
            if (_raised && !_disposed)
            {
                _restore.Change(_calm, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>Stops the timer and leaves the normal minimum behind (a host stopped inside a longer-lived process).</summary>
    public void Dispose()
    {
        // Under the lock: a calm period ending meanwhile must not re-arm a disposed timer (an unhandled exception
        // on a thread-pool thread), nor a connection failing after the stop raise the minimum again.
        lock (_gate)
        {
            _disposed = true;
            _restore.Dispose();
            Restore();
        }
    }

    /// <summary>The calm period is over: the normal minimum, unless no primary is connected yet (then look again a calm period later).</summary>
    private void CalmPeriodEnded()
    {
        lock (_gate)
        {
            if (!_raised || _disposed)
            {
                return;
            }

            if (!ReachesAPrimary())
            {
                _restore.Change(_calm, Timeout.InfiniteTimeSpan);
                return;
            }

            Restore();
            _logger.LogInformation(
                "Redis is connected and no connection has failed for {Calm}: the thread-pool minimum is {Normal} worker threads again", _calm, _normalWorkers);
        }
    }

    /// <summary>Whether a primary is connected; with no connection followed, nothing to wait for.</summary>
    private bool ReachesAPrimary() =>
        _redis is null || _redis.GetServers().Any(server => server.IsConnected && !server.IsReplica);

    private void Restore()
    {
        if (_raised)
        {
            ThreadPool.SetMinThreads(_normalWorkers, _normalCompletionPorts);
            _raised = false;
        }
    }
}
