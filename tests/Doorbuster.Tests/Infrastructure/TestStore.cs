using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// The Redis-protocol server a test runs against, a process on a free loopback port: Garnet (the store of
/// embedded mode, from tests/Doorbuster.TestStore) by default, so the tests need only the .NET SDK, or a real
/// <c>redis-server</c> when the environment variable <c>DOORBUSTER_TEST_STORE=redis-server</c> is set (CI
/// runs the suite both ways). Either can be killed and started again on the same port to cause an outage.
/// </summary>
public abstract class TestStore : IAsyncDisposable
{
    public const string SelectorVariable = "DOORBUSTER_TEST_STORE";

    protected TestStore(int port) => Port = port;

    /// <summary>Which store the tests run against: <c>garnet</c> or <c>redis-server</c>.</summary>
    public static string Kind { get; } = Environment.GetEnvironmentVariable(SelectorVariable) is { Length: > 0 } kind ? kind : "garnet";

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

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
            _ => throw new InvalidOperationException($"{SelectorVariable}={Kind}: use 'garnet' or 'redis-server'."),
        };
        await store.StartAgainAsync();
        return store;
    }

    /// <summary>Starts the server (again) and waits until it answers.</summary>
    public async Task StartAgainAsync()
    {
        Start();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},connectTimeout=500");
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

    /// <summary>Stops the server at once: clients see connection failures until <see cref="StartAgainAsync"/>.</summary>
    public abstract Task StopAsync();

    public virtual async ValueTask DisposeAsync()
    {
        await StopAsync();
        GC.SuppressFinalize(this);
    }

    protected abstract void Start();

    /// <summary>A child process, killed at once to stop it: like a crashed server, whatever the kind.</summary>
    private abstract class ServerProcess(int port) : TestStore(port)
    {
        private Process? _process;

        public override async Task StopAsync()
        {
            if (_process is { HasExited: false })
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process?.Dispose();
            _process = null;
        }

        protected override void Start()
        {
            var start = StartInfo();
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            start.UseShellExecute = false;
            _process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        protected abstract ProcessStartInfo StartInfo();
    }

    /// <summary>Garnet, as embedded mode runs it, in a process of its own (tests/Doorbuster.TestStore).</summary>
    private sealed class GarnetStore(int port, bool durable) : ServerProcess(port)
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

    private sealed class RedisServerStore(int port, bool durable) : ServerProcess(port)
    {
        private readonly string _directory = Directory.CreateTempSubdirectory("doorbuster-redis-").FullName;

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Directory.Delete(_directory, recursive: true);
        }

        protected override ProcessStartInfo StartInfo()
        {
            var binary = FindBinary()
                ?? throw new InvalidOperationException(
                    $"{SelectorVariable}=redis-server but redis-server is not on PATH (Debian: apt-get install -y redis-server).");
            var start = new ProcessStartInfo(binary) { WorkingDirectory = _directory };
            string[] arguments =
            [
                "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--protected-mode", "no", "--dir", _directory,
                "--appendonly", durable ? "yes" : "no", "--appendfsync", "everysec",
            ];
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            return start;
        }

        private static string? FindBinary() =>
            (Environment.GetEnvironmentVariable("PATH") ?? "")
                .Split(Path.PathSeparator)
                .Append("/usr/bin")
                .Select(directory => Path.Combine(directory, "redis-server"))
                .FirstOrDefault(File.Exists);
    }
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
}
