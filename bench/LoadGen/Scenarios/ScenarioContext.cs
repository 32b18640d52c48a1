using Doorbuster.LoadGen.Cli;
using Doorbuster.LoadGen.Http;
using Doorbuster.LoadGen.Load;
using Doorbuster.LoadGen.Metrics;
using Doorbuster.LoadGen.Reporting;
using Doorbuster.LoadGen.Setup;

namespace Doorbuster.LoadGen.Scenarios;

/// <summary>What every scenario works with: the options, the API, the stock ledger, setup helpers and the phase runner.</summary>
public sealed class ScenarioContext
{
    /// <summary>Units each catalog sku gets on top of what prepared carts will check out.</summary>
    public const long BaseStock = 1_000;

    public ScenarioContext(RunOptions options, ShopApi api, StockLedger ledger, RedisCommandCounter? redisCommands = null)
    {
        Options = options;
        Api = api;
        Ledger = ledger;
        SetupParallelism = Math.Clamp(options.MaxInFlight, 4, 64);
        Seeder = new Seeder(api, ledger, Progress, options.RunId, SetupParallelism);
        Phases = new PhaseRunner(options.Seed, options.Clients, options.CpuPids, redisCommands);
    }

    public RunOptions Options { get; }

    public ShopApi Api { get; }

    public StockLedger Ledger { get; }

    public SetupProgress Progress { get; } = new();

    public Seeder Seeder { get; }

    public PhaseRunner Phases { get; }

    /// <summary>Concurrent requests during setup: enough to be quick, few enough not to overload what we then measure.</summary>
    public int SetupParallelism { get; }

    public Catalog NewCatalog() => Catalog.Create(Options.Prefix, Options.Skus, Options.Zipf, Options.Seed);

    /// <summary>The phase the command line describes: its mode, rate or connections, warm-up and duration.</summary>
    public PhasePlan MainPlan(string name) =>
        new(name, Options.Mode, Options.Rate, Options.Connections, Options.MaxInFlight, Options.Warmup, Options.Duration);

    /// <summary>Operations an open-loop plan will offer over its warm-up and measured time.</summary>
    public static long OfferedOperations(PhasePlan plan) =>
        (long)Math.Ceiling(plan.Rate!.Value * (plan.Warmup + plan.Duration).TotalSeconds);

    /// <summary><paramref name="count"/> skus drawn by popularity with the run seed: what prepared carts will hold.</summary>
    public IReadOnlyList<string> SampleSkus(Catalog catalog, int count, int salt)
    {
        var random = new Random(HashCode.Combine(Options.Seed, salt));
        return [.. Enumerable.Range(0, count).Select(_ => catalog.SampleSku(random.NextDouble()))];
    }
}
