using Doorbuster.ServiceDefaults.EmbeddedStore;

// The tests' default Redis-protocol server as a process of its own, like redis-server: the same Garnet
// store that embedded mode runs, on a given loopback port, in memory or durable in a folder, until killed.
// Usage: Doorbuster.TestStore <port> [data folder]
// Garnet answers a durable write only once its append-only file has committed it, and waits for that commit
// by blocking the connection's thread. With the thread pool's default minimum (one thread per core) a dozen
// busy connections — three silos and two Apis — starve the pool, and the commits that would free them wait
// for a thread too: measured on 2 cores, 24 connections running scripts got no answer for seconds. So every
// connection gets a thread at once. (Embedded mode is not affected: its one silo uses one connection.)
ThreadPool.SetMinThreads(256, 256);

var port = int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
var dataPath = args.ElementAtOrDefault(1);
using var store = EmbeddedRedisStore.Start(new EmbeddedStoreOptions { Port = port, InMemory = dataPath is null, DataPath = dataPath });
Console.WriteLine($"ready on {store.ConnectionString}");
await Task.Delay(Timeout.Infinite);
