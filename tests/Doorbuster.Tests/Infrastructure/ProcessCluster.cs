using System.Globalization;
using System.Security.Cryptography;

namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// The real topology on loopback, as an operator runs it: a store, silo processes that join through Redis
/// membership, and Api processes that are pure Orleans clients, all configured by environment variables.
/// Disposing it kills every process it started and stops the store.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    public const string AdminKey = "process-test-key";

    private readonly List<DoorbusterProcess> _processes = [];

    private ProcessCluster(TestStore store, IReadOnlyDictionary<string, string>? extra)
    {
        Store = store;
        Environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = store.ConnectionString,
            ["Orleans__ClusterId"] = $"test-{Guid.NewGuid():N}"[..20],
            ["Orleans__ServiceId"] = "doorbuster-test",
            ["Admin__ApiKey"] = AdminKey,
            ["Carts__SigningKey"] = NewSigningKey(),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            Environment[key] = value;
        }
    }

    public TestStore Store { get; }

    /// <summary>What every process of this cluster gets; a test may change it before starting processes.</summary>
    public Dictionary<string, string> Environment { get; }

    public static async Task<ProcessCluster> StartStoreAsync(bool durable = false, IReadOnlyDictionary<string, string>? environment = null) =>
        new(await TestStore.StartAsync(durable), environment);

    public static string NewSigningKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Starts a silo process; <paramref name="environment"/> adds to or overrides the cluster's.</summary>
    public DoorbusterProcess StartSilo(string name, IReadOnlyDictionary<string, string>? environment = null)
    {
        var settings = new Dictionary<string, string>(Environment)
        {
            ["Orleans__SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Orleans__AdvertisedIPAddress"] = "127.0.0.1",
            ["Orleans__SiloName"] = name,
        };
        return Track(DoorbusterProcess.Start("Silo", name, Merge(settings, environment)));
    }

    /// <summary>Starts an Api process (a pure Orleans client of this cluster).</summary>
    public DoorbusterProcess StartApi(string name, IReadOnlyDictionary<string, string>? environment = null) =>
        Track(DoorbusterProcess.Start("Api", name, Merge(new Dictionary<string, string>(Environment), environment)));

    /// <summary>Starts silos and Api processes and waits until all are ready.</summary>
    public async Task<(DoorbusterProcess[] Silos, DoorbusterProcess[] Apis)> StartAsync(int silos, int apis)
    {
        var siloProcesses = Enumerable.Range(1, silos).Select(i => StartSilo($"silo-{i}")).ToArray();
        await Task.WhenAll(siloProcesses.Select(silo => silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(90))));
        var apiProcesses = Enumerable.Range(1, apis).Select(i => StartApi($"api-{i}")).ToArray();
        await Task.WhenAll(apiProcesses.Select(api => api.WaitUntilReadyAsync(TimeSpan.FromSeconds(90))));
        return (siloProcesses, apiProcesses);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        await Store.DisposeAsync();
    }

    private static Dictionary<string, string> Merge(Dictionary<string, string> settings, IReadOnlyDictionary<string, string>? extra)
    {
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return settings;
    }

    private DoorbusterProcess Track(DoorbusterProcess process)
    {
        _processes.Add(process);
        return process;
    }
}
