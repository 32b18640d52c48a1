using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Doorbuster.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Doorbuster.Persistence;

/// <summary>
/// Holds back the acknowledgement of a write until replicas have it, as <see cref="DurabilityOptions"/> asks.
/// Redis' <c>WAIT</c> blocks the connection it is sent on and covers only that connection's own writes, so it
/// runs on a connection of its own (StackExchange.Redis multiplexes every caller over one, which must never
/// block) and after a write of its own: a marker on the written key's slot, sent once the write has been
/// answered, so that the marker's replication offset is past the write's and <c>WAIT</c> for the marker is a
/// wait for the write. Writes waiting at the same time share one marker and one <c>WAIT</c> per primary
/// (a group commit): while one round waits, the next gathers.
/// </summary>
public sealed partial class ReplicaAcknowledgement : IAsyncDisposable
{
    private readonly DurabilityOptions _options;
    private readonly string _markerSuffix;
    private readonly Lazy<Task<ConnectionMultiplexer>> _connection;
    private readonly ConcurrentDictionary<EndPoint, Round> _rounds = new();
    private readonly GrainMetrics _metrics;
    private readonly ILogger<ReplicaAcknowledgement> _logger;

    public ReplicaAcknowledgement(
        ConfigurationOptions configuration,
        string serviceId,
        IOptions<DurabilityOptions> options,
        GrainMetrics metrics,
        ILogger<ReplicaAcknowledgement> logger)
    {
        _options = options.Value;
        _markerSuffix = $"/{serviceId}/replica-marker";
        _metrics = metrics;
        _logger = logger;
        _connection = new(() => ConnectAsync(configuration, _options.ReplicaTimeout));
    }

    /// <summary>Whether writes of this kind wait for replicas.</summary>
    public bool Waits(ReplicatedWrites kind) => _options.ReplicasToAcknowledge > 0 && (_options.Writes & kind) != 0;

    /// <summary>
    /// Returns once <see cref="DurabilityOptions.ReplicasToAcknowledge"/> replicas hold the write to
    /// <paramref name="writtenKey"/> that Redis has just answered (at once for a kind that does not wait). Throws
    /// <see cref="StoreUnavailableException"/> (the change may have been applied) when they do not in time.
    /// </summary>
    public async Task ReplicatedAsync(ReplicatedWrites kind, RedisKey writtenKey)
    {
        if (!Waits(kind))
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        long replicas;
        try
        {
            var connection = await _connection.Value;
            var primary = await connection.GetDatabase().IdentifyEndpointAsync(writtenKey)
                ?? throw new RedisConnectionException(ConnectionFailureType.UnableToResolvePhysicalConnection, $"No primary serves {writtenKey}.");
            var round = _rounds.GetOrAdd(primary, endpoint => new Round(this, connection.GetServer(endpoint)));
            replicas = await round.JoinAsync(writtenKey);
        }
        catch (Exception exception)
        {
            // The primary has the write whatever went wrong here, including a broken connection's raw exception.
            _metrics.ReplicaWait(kind, Stopwatch.GetElapsedTime(started), acknowledged: false);
            throw new StoreUnavailableException(
                mayHaveBeenApplied: true, $"Whether a replica holds the write to {writtenKey} is unknown; the primary has it.", exception);
        }

        var acknowledged = replicas >= _options.ReplicasToAcknowledge;
        _metrics.ReplicaWait(kind, Stopwatch.GetElapsedTime(started), acknowledged);
        if (!acknowledged)
        {
            LogTooFewReplicas(_logger, writtenKey.ToString(), replicas, _options.ReplicasToAcknowledge, _options.ReplicaTimeout);
            throw new StoreUnavailableException(
                mayHaveBeenApplied: true,
                $"The write to {writtenKey} reached {replicas} of the {_options.ReplicasToAcknowledge} replicas it waits for within {_options.ReplicaTimeout}; the primary has it.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
        {
            await (await _connection.Value).DisposeAsync();
        }
    }

    private static async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions configuration, TimeSpan replicaTimeout)
    {
        var options = configuration.Clone();
        options.AbortOnConnectFail = false;
        options.ClientName = "doorbuster-replica-wait";

        // A WAIT blocks this connection for up to the replica timeout; a command behind it may wait that long too.
        options.AsyncTimeout = (int)(replicaTimeout + TimeSpan.FromSeconds(1.5)).TotalMilliseconds;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    /// <summary>The marker key on the written key's slot: the same hash tag (a Redis Cluster node serves the slot).</summary>
    private RedisKey MarkerFor(RedisKey writtenKey)
    {
        var key = writtenKey.ToString();
        var open = key.IndexOf('{', StringComparison.Ordinal);
        var close = open < 0 ? -1 : key.IndexOf('}', open + 1);
        var tag = close > open + 1 ? key[(open + 1)..close] : key;
        return string.Create(CultureInfo.InvariantCulture, $"{{{tag}}}{_markerSuffix}");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The write to {Key} reached {Replicas} of {Wanted} replicas within {Timeout}; answered as unknown")]
    private static partial void LogTooFewReplicas(ILogger logger, string key, long replicas, int wanted, TimeSpan timeout);

    /// <summary>
    /// The rounds of one primary: callers join the round that has not started; one loop sends, per round, the
    /// marker and a WAIT, and answers every caller of the round with the replicas that acknowledged.
    /// </summary>
    private sealed class Round(ReplicaAcknowledgement owner, IServer primary)
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource<long>? _gathering;
        private RedisKey _markerKey;
        private bool _running;

        public Task<long> JoinAsync(RedisKey writtenKey)
        {
            lock (_gate)
            {
                _gathering ??= new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                _markerKey = owner.MarkerFor(writtenKey);
                var joined = _gathering.Task;
                if (!_running)
                {
                    _running = true;
                    _ = RunAsync();
                }

                return joined;
            }
        }

        private async Task RunAsync()
        {
            while (true)
            {
                TaskCompletionSource<long> round;
                RedisKey marker;
                lock (_gate)
                {
                    if (_gathering is null)
                    {
                        _running = false;
                        return;
                    }

                    (round, marker, _gathering) = (_gathering, _markerKey, null);
                }

                try
                {
                    // Both on this primary's one connection, in order: the WAIT covers the marker, and so every
                    // write of the round, each answered before its caller joined.
                    await primary.ExecuteAsync("SET", marker, "1", "PX", "60000");
                    var timeout = (long)owner._options.ReplicaTimeout.TotalMilliseconds;
                    round.SetResult((long)await primary.ExecuteAsync("WAIT", owner._options.ReplicasToAcknowledge, timeout));
                }
                catch (Exception exception)
                {
                    round.SetException(exception);
                }
            }
        }
    }
}
