using Doorbuster.ServiceDefaults.EmbeddedStore;

// The tests' default Redis-protocol server as a process of its own, like redis-server: the same Garnet
// store that embedded mode runs, on a given loopback port, in memory or durable in a folder, until killed.
// Usage: Doorbuster.TestStore <port> [data folder]
var port = int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
var dataPath = args.ElementAtOrDefault(1);
using var store = EmbeddedRedisStore.Start(new EmbeddedStoreOptions { Port = port, InMemory = dataPath is null, DataPath = dataPath });
Console.WriteLine($"ready on {store.ConnectionString}");
await Task.Delay(Timeout.Infinite);
