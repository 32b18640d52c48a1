using System.Diagnostics;
using System.Globalization;

namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// A primary, two replicas and three Sentinels of <c>redis-server</c>, as docker-compose.yml and k8s/base run
/// them (AOF everysec on every data node; a primary is down after 3 s without an answer and two Sentinels
/// must agree), reached the way the deployments reach them: a connection string naming the Sentinels and
/// the service.
/// </summary>
internal sealed class SentinelTestStore(bool durable) : TestStore
{
    public const string ServiceName = "doorbuster";

    private readonly string _directory = Directory.CreateTempSubdirectory("doorbuster-sentinel-").FullName;
    private readonly int[] _dataPorts = [FreePorts.Next(), FreePorts.Next(), FreePorts.Next()];
    private readonly int[] _sentinelPorts = [FreePorts.Next(), FreePorts.Next(), FreePorts.Next()];
    private readonly StoreProcess?[] _data = new StoreProcess?[3];
    private readonly StoreProcess?[] _sentinels = new StoreProcess?[3];

    /// <summary>The data node that is primary when the store starts (again): the one the Sentinels last promoted.</summary>
    private int _primary;

    public override string ConnectionString =>
        string.Join(',', _sentinelPorts.Select(port => $"127.0.0.1:{port}")) + $",serviceName={ServiceName},abortConnect=false";

    public override async Task StartAgainAsync()
    {
        for (var node = 0; node < _data.Length; node++)
        {
            var directory = Directory.CreateDirectory(Path.Combine(_directory, $"data-{node}")).FullName;
            string[] role = node == _primary ? [] : ["--replicaof", "127.0.0.1", DataPort(_primary)];
            _data[node] = StoreProcess.Start(RedisServer.StartInfo(directory, _dataPorts[node], durable, [.. role, .. LogFile($"redis-{node}")]));
        }

        foreach (var port in _dataPorts)
        {
            await UntilAnsweringAsync(port, TimeSpan.FromSeconds(15));
        }

        await Eventually.ReturnsAsync(
            async () => (await Task.WhenAll(Replicas().Select(port => RedisServer.CliAsync(port, "info", "replication"))))
                .All(info => info.Contains("master_link_status:up", StringComparison.Ordinal)),
            done => done,
            TimeSpan.FromSeconds(30),
            "the replicas did not finish their first synchronisation with the primary");

        for (var sentinel = 0; sentinel < _sentinels.Length; sentinel++)
        {
            _sentinels[sentinel] = StoreProcess.Start(SentinelStartInfo(sentinel));
        }

        // Failover needs every Sentinel to know both replicas and the other two Sentinels (their quorum).
        await Eventually.ReturnsAsync(
            async () => (await Task.WhenAll(_sentinelPorts.Select(MonitoredAsync)))
                .All(master => master.GetValueOrDefault("num-slaves") == "2" && master.GetValueOrDefault("num-other-sentinels") == "2"),
            done => done,
            TimeSpan.FromSeconds(30),
            "the Sentinels did not discover the replicas and each other");
    }

    public override async Task StopAsync()
    {
        _primary = await CurrentPrimaryAsync() ?? _primary;
        foreach (var process in _sentinels.Concat(_data))
        {
            if (process is not null)
            {
                await process.KillAsync();
            }
        }

        Array.Clear(_sentinels);
        Array.Clear(_data);
    }

    /// <summary>SIGKILLs the primary and leaves it dead: the Sentinels notice within 3 s and promote a replica.</summary>
    public override async Task LoseWritableNodeAsync()
    {
        var primary = await CurrentPrimaryAsync() ?? throw new InvalidOperationException("No Sentinel names a primary.");
        await _data[primary]!.KillAsync();
        _data[primary] = null;
    }

    public override int ReplicasPerPrimary => _data.Length - 1;

    public override async Task LoseReplicasAsync()
    {
        var primary = await CurrentPrimaryAsync() ?? throw new InvalidOperationException("No Sentinel names a primary.");
        for (var node = 0; node < _data.Length; node++)
        {
            if (node != primary && _data[node] is { } replica)
            {
                await replica.KillAsync();
                _data[node] = null;
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Where a node logs when <see cref="DoorbusterProcess.LogFolderVariable"/> names a folder (elections, promotions, timings).</summary>
    private static string[] LogFile(string name) =>
        Environment.GetEnvironmentVariable(DoorbusterProcess.LogFolderVariable) is { Length: > 0 } folder
            ? ["--logfile", Path.Combine(Directory.CreateDirectory(folder).FullName, $"{name}.log")]
            : [];

    private string DataPort(int node) => _dataPorts[node].ToString(CultureInfo.InvariantCulture);

    private IEnumerable<int> Replicas() => _dataPorts.Where((_, node) => node != _primary);

    /// <summary>The data node the Sentinels name as primary, or <c>null</c> when none answers.</summary>
    private async Task<int?> CurrentPrimaryAsync()
    {
        foreach (var sentinel in _sentinelPorts.Where((_, i) => _sentinels[i] is not null))
        {
            try
            {
                var address = (await RedisServer.CliAsync(sentinel, "sentinel", "get-master-addr-by-name", ServiceName)).Split('\n', StringSplitOptions.TrimEntries);
                var node = Array.IndexOf(_dataPorts, int.Parse(address[1], CultureInfo.InvariantCulture));
                if (node >= 0)
                {
                    return node;
                }
            }
            catch (Exception exception) when (exception is InvalidOperationException or FormatException or IndexOutOfRangeException)
            {
                // This Sentinel is not answering; ask the next.
            }
        }

        return null;
    }

    private static async Task<Dictionary<string, string>> MonitoredAsync(int sentinel)
    {
        var lines = (await RedisServer.CliAsync(sentinel, "sentinel", "master", ServiceName)).Split('\n', StringSplitOptions.TrimEntries);
        return Enumerable.Range(0, lines.Length / 2).ToDictionary(i => lines[2 * i], i => lines[(2 * i) + 1], StringComparer.Ordinal);
    }

    private ProcessStartInfo SentinelStartInfo(int sentinel)
    {
        // A fresh configuration each start, naming the current primary: a Sentinel rewrites its file as it learns.
        var directory = Directory.CreateDirectory(Path.Combine(_directory, $"sentinel-{sentinel}")).FullName;
        var configuration = Path.Combine(directory, "sentinel.conf");
        File.WriteAllLines(configuration,
        [
            $"port {_sentinelPorts[sentinel]}",
            "bind 127.0.0.1",
            "protected-mode no",
            $"dir {directory}",
            $"sentinel monitor {ServiceName} 127.0.0.1 {DataPort(_primary)} 2",
            $"sentinel down-after-milliseconds {ServiceName} 3000",
            $"sentinel failover-timeout {ServiceName} 30000",
            $"sentinel parallel-syncs {ServiceName} 1",
        ]);
        var start = RedisServer.StartInfo(directory, _sentinelPorts[sentinel], durable: false);
        start.ArgumentList.Clear();
        start.ArgumentList.Add(configuration);
        start.ArgumentList.Add("--sentinel");
        foreach (var argument in LogFile($"sentinel-{sentinel}"))
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}

/// <summary>
/// A Redis Cluster of three primaries (no replicas: a shard that dies is restarted from its append-only file),
/// the slots spread evenly, reached through a connection string naming every node.
/// </summary>
internal sealed class RedisClusterTestStore(bool durable) : TestStore
{
    private readonly string _directory = Directory.CreateTempSubdirectory("doorbuster-cluster-").FullName;
    private readonly int[] _ports = [FreePorts.NextForRedisCluster(), FreePorts.NextForRedisCluster(), FreePorts.NextForRedisCluster()];
    private readonly StoreProcess?[] _nodes = new StoreProcess?[3];
    private bool _created;

    public override string ConnectionString => string.Join(',', _ports.Select(port => $"127.0.0.1:{port}")) + ",abortConnect=false";

    public override int Primaries => _ports.Length;

    public override async Task StartAgainAsync()
    {
        for (var node = 0; node < _nodes.Length; node++)
        {
            // nodes.conf, in the node's own folder, keeps its identity and slots across restarts.
            var directory = Directory.CreateDirectory(Path.Combine(_directory, $"node-{node}")).FullName;
            _nodes[node] = StoreProcess.Start(RedisServer.StartInfo(
                directory, _ports[node], durable, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"));
        }

        foreach (var port in _ports)
        {
            await UntilAnsweringAsync(port, TimeSpan.FromSeconds(15));
        }

        if (!_created)
        {
            await RedisServer.CliAsync(_ports[0], ["--cluster", "create", .. _ports.Select(port => $"127.0.0.1:{port}"), "--cluster-replicas", "0", "--cluster-yes"]);
            _created = true;
        }

        await Eventually.ReturnsAsync(
            async () => (await Task.WhenAll(_ports.Select(port => RedisServer.CliAsync(port, "cluster", "info"))))
                .All(info => info.Contains("cluster_state:ok", StringComparison.Ordinal)),
            done => done,
            TimeSpan.FromSeconds(30),
            "the cluster did not reach cluster_state:ok");
    }

    public override async Task StopAsync()
    {
        foreach (var node in _nodes)
        {
            if (node is not null)
            {
                await node.KillAsync();
            }
        }

        Array.Clear(_nodes);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
