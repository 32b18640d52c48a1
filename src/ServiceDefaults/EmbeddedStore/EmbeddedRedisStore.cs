using System.Globalization;
using Garnet;
using Microsoft.Extensions.Logging;

namespace Doorbuster.ServiceDefaults.EmbeddedStore;

/// <summary>
/// A Redis-protocol server inside this process (Microsoft Garnet) on a loopback port, so that embedded
/// mode and the tests use the very Redis providers of production without any server installed. Lua is on
/// (Orleans' storage and the inventory store use scripts) and scripts run as transactions, as in Redis.
/// Durable unless <see cref="EmbeddedStoreOptions.InMemory"/>: an append-only file, checkpoints and
/// recovery on start, in a data folder that one process at a time may use.
/// </summary>
public sealed class EmbeddedRedisStore : IDisposable
{
    private readonly EmbeddedStoreOptions _options;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly FileStream? _lock;
    private GarnetServer? _server;

    private EmbeddedRedisStore(EmbeddedStoreOptions options, int port, string? dataPath, FileStream? dataLock, ILoggerFactory? loggerFactory)
    {
        _options = options;
        Port = port;
        DataPath = dataPath;
        _lock = dataLock;
        _loggerFactory = loggerFactory;
    }

    public int Port { get; }

    /// <summary>The data folder; <c>null</c> when in memory.</summary>
    public string? DataPath { get; }

    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public bool IsRunning => _server is not null;

    /// <summary>Starts a store; throws when the data folder is in use by another process.</summary>
    public static EmbeddedRedisStore Start(EmbeddedStoreOptions options, ILoggerFactory? loggerFactory = null)
    {
        var port = options.Port > 0 ? options.Port : LoopbackPorts.Free();
        string? dataPath = null;
        FileStream? dataLock = null;
        if (!options.InMemory)
        {
            dataPath = Path.GetFullPath(string.IsNullOrWhiteSpace(options.DataPath) ? EmbeddedStoreOptions.DefaultDataPath : options.DataPath);
            Directory.CreateDirectory(dataPath);
            dataLock = LockDataFolder(dataPath);
        }

        var store = new EmbeddedRedisStore(options, port, dataPath, dataLock, loggerFactory);
        store.StartAgain();
        return store;
    }

    /// <summary>Starts the server again on the same port and data (after <see cref="Stop"/>).</summary>
    public void StartAgain()
    {
        if (_server is not null)
        {
            return;
        }

        var server = new GarnetServer(Arguments(), _loggerFactory);
        server.Start();
        _server = server;
    }

    /// <summary>Stops the server: clients see connection failures until <see cref="StartAgain"/>.</summary>
    public void Stop()
    {
        try
        {
            _server?.Dispose();
        }
        catch (ObjectDisposedException)
        {
            // Garnet 2.2.8 can trip over its own disposal when a second instance lives in the same process
            // (only the in-process test hosts run two); the process is shutting the store down anyway.
        }

        _server = null;
    }

    public void Dispose()
    {
        Stop();
        _lock?.Dispose();
    }

    private string[] Arguments()
    {
        List<string> arguments =
        [
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--lua", "--lua-transaction-mode",
            "--index", "32m", "--memory", "512m",
            "-q",
        ];
        if (DataPath is not null)
        {
            // The managed device: the native one needs libaio, which a fresh machine may lack. A write is
            // answered only once it is in the append-only file, so a crash loses nothing acknowledged.
            arguments.AddRange(
            [
                "--aof", "--aof-commit-wait", "--storage-tier", "--device-type", "RandomAccess",
                "--logdir", DataPath, "--checkpointdir", DataPath, "--recover",
                "--checkpoint-freq", "300", "--compaction-freq", "300",
            ]);
        }

        return [.. arguments];
    }

    private static FileStream LockDataFolder(string dataPath)
    {
        var path = Path.Combine(dataPath, ".lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException exception)
        {
            throw new InvalidOperationException(
                $"The embedded data folder {dataPath} is in use by another process. Stop it, or give this one its own folder with Embedded__DataPath (or run --in-memory).",
                exception);
        }
    }
}
