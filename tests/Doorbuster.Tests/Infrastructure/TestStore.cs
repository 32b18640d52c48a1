using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// The Redis-protocol store a test runs against, processes on free loopback ports, chosen by the environment
/// variable <c>DOORBUSTER_TEST_STORE</c>: <c>garnet</c> (the store of embedded mode, from
/// tests/Doorbuster.TestStore; the default, so the tests need only the .NET SDK), <c>redis-server</c>, or the
/// replicated topologies CI also runs the tests marked <see cref="AnyTopology"/> against:
/// <c>sentinel</c> (a primary, two replicas and three Sentinels) and <c>cluster</c> (a Redis Cluster of three
/// primaries), both made of <c>redis-server</c> processes. Any of them can be stopped and started again to
/// cause an outage, or lose the node that takes writes (<see cref="LoseWritableNodeAsync"/>).
/// </summary>
public abstract class TestStore : IAsyncDisposable
{
    public const string SelectorVariable = "DOORBUSTER_TEST_STORE";

    /// <summary>
    /// The trait (name and value) of tests whose flow holds on every topology and that CI runs against the
    /// replicated ones as well; the others may need one server (a fault proxy in front of its port).
    /// </summary>
    public const string Topology = "Topology";

    public const string AnyTopology = "Any";

    /// <summary>Which store the tests run against.</summary>
    public static string Kind { get; } = Environment.GetEnvironmentVariable(SelectorVariable) is { Length: > 0 } kind ? kind : "garnet";

    /// <summary>The connection string the Orleans processes and the tests use, in the form an operator writes for this topology.</summary>
    public abstract string ConnectionString { get; }

    /// <summary>The port of the one server, for a fault proxy in front of it; a replicated topology has none.</summary>
    public virtual int Port => throw new NotSupportedException(
        $"{SelectorVariable}={Kind} has no single server port; tests that need one are not marked {Topology}={AnyTopology}.");

    /// <summary>How many primaries share the keys (a Redis Cluster's shards); one for the other topologies.</summary>
    public virtual int Primaries => 1;

    /// <summary>How many replicas copy each primary.</summary>
    public virtual int ReplicasPerPrimary => 0;

    /// <summary>Kills every replica (for good), leaving the primaries alone; nothing to do where there are none.</summary>
    public virtual Task LoseReplicasAsync() => Task.CompletedTask;

    /// <summary>
    /// Starts the configured store. <paramref name="durable"/>: with an append-only file, so that a restart
    /// keeps what was acknowledged.
    /// </summary>
    public static async Task<TestStore> StartAsync(bool durable = false)
    {
        TestStore store = Kind switch
        {
            "garnet" => new GarnetStore(FreePorts.Next(), durable),
            "redis-server" => new RedisServerStore(FreePorts.Next(), durable),
            "sentinel" => new SentinelTestStore(durable),
            "cluster" => new RedisClusterTestStore(durable),
            _ => throw new InvalidOperationException($"{SelectorVariable}={Kind}: use 'garnet', 'redis-server', 'sentinel' or 'cluster'."),
        };
        await store.StartAgainAsync();
        return store;
    }

    /// <summary>Starts the store (again) and waits until it takes writes.</summary>
    public abstract Task StartAgainAsync();

    /// <summary>Stops every process of the store at once: clients see connection failures until <see cref="StartAgainAsync"/>.</summary>
    public abstract Task StopAsync();

    /// <summary>
    /// What a crash of the machine that takes writes does: a single server (and each shard of a cluster that
    /// has no replicas) is killed and, a few seconds later, started again from its append-only file by its
    /// supervisor; under Sentinels the primary is killed for good and a replica is promoted.
    /// </summary>
    public virtual async Task LoseWritableNodeAsync()
    {
        await StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await StartAgainAsync();
    }

    /// <summary>The keys each primary holds (for a cluster: each shard), to show where the data went.</summary>
    public async Task<IReadOnlyList<long>> KeysPerPrimaryAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(ConnectionString + ",allowAdmin=true");
        var primaries = redis.GetServers().Where(server => server.IsConnected && !server.IsReplica).ToList();
        var counts = await Task.WhenAll(primaries.Select(server => server.DatabaseSizeAsync()));
        return counts;
    }

    public virtual async ValueTask DisposeAsync()
    {
        await StopAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Waits until a plain connection to <paramref name="port"/> answers PING.</summary>
    protected static async Task UntilAnsweringAsync(int port, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},connectTimeout=500");
                await connection.GetDatabase().PingAsync();
                return;
            }
            catch (RedisException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet, or listening and still loading its append-only file ("LOADING").
                await Task.Delay(100);
            }
        }
    }

    /// <summary>One server process on one port: Garnet or redis-server.</summary>
    private abstract class SingleServerStore(int port) : TestStore
    {
        protected StoreProcess? Process { get; private set; }

        public override int Port { get; } = port;

        public override string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

        public override async Task StartAgainAsync()
        {
            Process = StoreProcess.Start(StartInfo());
            await UntilAnsweringAsync(Port, TimeSpan.FromSeconds(15));
        }

        public override async Task StopAsync()
        {
            if (Process is not null)
            {
                await Process.KillAsync();
            }

            Process = null;
        }

        protected abstract ProcessStartInfo StartInfo();
    }

    /// <summary>Garnet, as embedded mode runs it, in a process of its own (tests/Doorbuster.TestStore).</summary>
    private sealed class GarnetStore(int port, bool durable) : SingleServerStore(port)
    {
        private readonly string? _dataPath = durable ? Directory.CreateTempSubdirectory("doorbuster-garnet-").FullName : null;

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            if (_dataPath is not null)
            {
                Directory.Delete(_dataPath, recursive: true);
            }
        }

        protected override ProcessStartInfo StartInfo()
        {
            var start = new ProcessStartInfo("dotnet");
            start.ArgumentList.Add(RepositoryLayout.BuiltAssembly("tests", "TestStore"));
            start.ArgumentList.Add(Port.ToString());
            if (_dataPath is not null)
            {
                start.ArgumentList.Add(_dataPath);
            }

            return start;
        }
    }

    private sealed class RedisServerStore(int port, bool durable) : SingleServerStore(port)
    {
        private readonly string _directory = Directory.CreateTempSubdirectory("doorbuster-redis-").FullName;

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Directory.Delete(_directory, recursive: true);
        }

        protected override ProcessStartInfo StartInfo() => RedisServer.StartInfo(_directory, Port, durable);
    }
}

/// <summary>A store's child process, killed at once to stop it: like a crashed server, whatever the kind.</summary>
public sealed class StoreProcess
{
    private readonly Process _process;

    private StoreProcess(Process process) => _process = process;

    public static StoreProcess Start(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new StoreProcess(process);
    }

    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

/// <summary>The <c>redis-server</c> binary (Debian: <c>apt-get install -y redis-server</c>) and how the tests run it.</summary>
public static class RedisServer
{
    /// <summary>
    /// A data node on loopback: AOF with <c>everysec</c> as the deployments run it when <paramref name="durable"/>,
    /// no snapshots, its files in <paramref name="directory"/>; <paramref name="extra"/> adds to the arguments.
    /// </summary>
    public static ProcessStartInfo StartInfo(string directory, int port, bool durable, params string[] extra)
    {
        var start = new ProcessStartInfo(Binary("redis-server")) { WorkingDirectory = directory };
        string[] arguments =
        [
            "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--protected-mode", "no", "--dir", directory,
            "--appendonly", durable ? "yes" : "no", "--appendfsync", "everysec", .. extra,
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>Runs <c>redis-cli</c> (shipped with redis-server) against <paramref name="port"/>; answers what it printed.</summary>
    public static async Task<string> CliAsync(int port, params string[] arguments)
    {
        var start = new ProcessStartInfo(Binary("redis-cli")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["-h", "127.0.0.1", "-p", port.ToString(), .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-cli did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? await output
            : throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}");
    }

    private static string Binary(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator)
            .Append("/usr/bin")
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException(
            $"{TestStore.SelectorVariable}={TestStore.Kind} needs {name}, which is not on PATH (Debian: apt-get install -y redis-server).");
}

/// <summary>Free loopback TCP ports, handed out once each within a test run.</summary>
public static class FreePorts
{
    private static readonly HashSet<int> Given = [];

    public static int Next()
    {
        lock (Given)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (Given.Add(port))
                {
                    return port;
                }
            }
        }
    }

    /// <summary>
    /// A port for a Redis Cluster node: at most 55,535, since its cluster bus listens 10,000 higher, and below
    /// the kernel's ephemeral range (from 32,768), so no outgoing connection takes it meanwhile; both are free.
    /// </summary>
    public static int NextForRedisCluster()
    {
        lock (Given)
        {
            while (true)
            {
                var port = Random.Shared.Next(20_000, 32_768);
                if (!Given.Contains(port) && IsFree(port) && IsFree(port + 10_000))
                {
                    Given.Add(port);
                    return port;
                }
            }
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
