using System.Globalization;
using Doorbuster.LoadGen.Load;
using Doorbuster.LoadGen.Metrics;

namespace Doorbuster.LoadGen.Cli;

/// <summary>The command line with every default filled in: what a scenario runs with and what the report records.</summary>
public sealed record RunOptions
{
    public required string Scenario { get; init; }
    public required Uri Url { get; init; }
    public string? AdminKey { get; init; }
    public string? Label { get; init; }
    public required LoadMode Mode { get; init; }
    public double? Rate { get; init; }
    public required int Connections { get; init; }
    public required int MaxInFlight { get; init; }
    public required TimeSpan Duration { get; init; }
    public required TimeSpan Warmup { get; init; }
    public required TimeSpan Timeout { get; init; }
    public required int Skus { get; init; }
    public required double Zipf { get; init; }
    public required int Seed { get; init; }
    public required int Clients { get; init; }

    /// <summary>Processes whose CPU time is measured over each phase's measured window, by tier (empty: none).</summary>
    public required IReadOnlyList<ServerProcess> CpuPids { get; init; }

    /// <summary>Redis servers whose processed commands are counted over each measured window (<c>null</c>: none).</summary>
    public string? RedisStats { get; init; }
    public required string RunId { get; init; }
    public required string Prefix { get; init; }
    public string? ReportDirectory { get; init; }
    public required bool Smoke { get; init; }
    public required bool CheckInvariant { get; init; }
    public int? Pool { get; init; }
    public int Outstanding { get; init; }
    public string? CartsFile { get; init; }
    public double Pay { get; init; }
    public int Buyers { get; init; }
    public int Units { get; init; }
    public string? HotSku { get; init; }
    public int Shoppers { get; init; }
    public TimeSpan Arrival { get; init; }
    public double PreStart { get; init; }
    public int AdmitPerSecond { get; init; }
    public double Abandon { get; init; }
    public double BrowseRate { get; init; }
    public double? Peak { get; init; }
    public TimeSpan PeakDuration { get; init; }
    public TimeSpan StepDuration { get; init; }
    public IReadOnlyList<double> Steps { get; init; } = [];

    /// <summary>Enough HTTP connections for every operation that can be in flight, setup included.</summary>
    public int MaxConnections => Math.Max(Math.Max(Connections, MaxInFlight), 256) + 64;

    public static RunOptions From(string scenario, LoadSettings settings)
    {
        var smoke = settings.Smoke;
        var runId = NewRunId();
        var options = new RunOptions
        {
            Scenario = scenario,
            Url = new Uri(settings.Url!.TrimEnd('/') + "/"),
            AdminKey = settings.AdminKey,
            Label = settings.Label,
            Mode = settings.Rate is null ? LoadMode.Closed : LoadMode.Open,
            Rate = settings.Rate,
            Connections = settings.Connections ?? (smoke ? 4 : 64),
            MaxInFlight = settings.MaxInFlight ?? (smoke ? 64 : 2048),
            Duration = settings.Duration ?? TimeSpan.FromSeconds(smoke ? 3 : 20),
            Warmup = settings.Warmup ?? TimeSpan.FromSeconds(smoke ? 1 : 3),
            Timeout = settings.Timeout ?? TimeSpan.FromSeconds(10),
            Skus = settings.Skus ?? (smoke ? 50 : 1000),
            Zipf = settings.Zipf ?? 1.0,
            Seed = settings.Seed ?? 1,
            Clients = settings.Clients ?? (IsLoopback(settings.Url!) ? LoopbackClients : 0),
            CpuPids = ServerProcess.ParseList(settings.CpuPids),
            RedisStats = settings.RedisStats,
            RunId = runId,
            Prefix = settings.Prefix ?? "LG" + runId,
            ReportDirectory = settings.Report,
            Smoke = smoke,
            CheckInvariant = !settings.NoInvariant,
        };

        return settings switch
        {
            CheckoutSettings s => options with
            {
                Pool = s.Pool,
                Outstanding = s.Outstanding ?? 0,
                Pay = s.Pay ?? 0,
                CartsFile = s.CartsFile,
            },
            OverloadSettings s => options with
            {
                Pool = s.Pool ?? (smoke ? 1_000 : null),
                Peak = s.Peak,
                PeakDuration = s.PeakDuration ?? TimeSpan.FromSeconds(smoke ? 2 : 5),
                StepDuration = s.StepDuration ?? TimeSpan.FromSeconds(smoke ? 1 : 10),
                Warmup = settings.Warmup ?? TimeSpan.FromSeconds(smoke ? 0 : 2),
                Steps = s.Steps is null ? [0.5, 1, 2, 5, 10] : ParseSteps(s.Steps)!,
            },
            PoolSettings s => options with { Pool = s.Pool ?? (smoke ? 1_000 : null) },
            FlashSaleSettings s => options with
            {
                Buyers = s.Buyers ?? (smoke ? 100 : 1000),
                Units = s.Units ?? (smoke ? 20 : 100),
                Pay = s.Pay ?? 0,
            },
            HotReadSettings s => options with { HotSku = s.Sku },
            FlashQueueSettings s => options with
            {
                Shoppers = s.Shoppers ?? (smoke ? 500 : 50_000),
                Units = s.Units ?? (smoke ? 20 : 1_000),
                Arrival = s.Arrival ?? TimeSpan.FromSeconds(smoke ? 2 : 10),
                PreStart = s.PreStart ?? 0.1,
                AdmitPerSecond = s.AdmitPerSecond ?? (smoke ? 50 : 200),
                Abandon = s.Abandon ?? 0.1,
                BrowseRate = s.BrowseRate ?? (smoke ? 20 : 200),
                Clients = settings.Clients ?? (smoke ? 500 : 50_000),
            },
            _ => options,
        };
    }

    /// <summary>
    /// Synthetic clients toward a target on this machine when --clients is not given: an Api trusts
    /// X-Forwarded-For from loopback by default, and without it every shopper would be one client, shed by that
    /// client's rate bucket (50 requests/s) instead of measured. Elsewhere the header is only honoured from a
    /// configured proxy, so nothing is sent unless asked for.
    /// </summary>
    public const int LoopbackClients = 1_000;

    private static bool IsLoopback(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.IsLoopback || (System.Net.IPAddress.TryParse(uri.Host, out var address) && System.Net.IPAddress.IsLoopback(address)));

    public static IReadOnlyList<double>? ParseSteps(string text)
    {
        var steps = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var step) || step <= 0)
            {
                return null;
            }

            steps.Add(step);
        }

        return steps.Count == 0 ? null : steps;
    }

    // Eight base-36 characters from the clock and randomness: short enough for sku ids, unique enough across runs.
    private static string NewRunId()
    {
        const string alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        var value = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() * 1000 + (ulong)Random.Shared.Next(1000);
        Span<char> id = stackalloc char[8];
        for (var i = id.Length - 1; i >= 0; i--)
        {
            id[i] = alphabet[(int)(value % 36)];
            value /= 36;
        }

        return new string(id);
    }
}
