using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Doorbuster.LoadGen.Cli;

/// <summary>The options every scenario takes. Unset values get their defaults (or smoke defaults) in <see cref="RunOptions"/>.</summary>
public class LoadSettings : CommandSettings
{
    [CommandOption("-u|--url <URL>")]
    [Description("Base URL of the system under test, e.g. http://127.0.0.1:8080.")]
    public string? Url { get; init; }

    [CommandOption("-k|--admin-key <KEY>")]
    [Description("X-Api-Key for the admin routes that seed products and stock.")]
    public string? AdminKey { get; init; }

    [CommandOption("-d|--duration <DURATION>")]
    [Description("Measured time, e.g. 20s or 2m. Default 20s (smoke: 3s).")]
    [TypeConverter(typeof(DurationConverter))]
    public TimeSpan? Duration { get; init; }

    [CommandOption("-w|--warmup <DURATION>")]
    [Description("Load before the measured time, excluded from the results. Default 3s (smoke: 1s).")]
    [TypeConverter(typeof(DurationConverter))]
    public TimeSpan? Warmup { get; init; }

    [CommandOption("-r|--rate <REQ_PER_S>")]
    [Description("Open loop: start operations at this constant rate, latency measured from each intended start.")]
    public double? Rate { get; init; }

    [CommandOption("-c|--connections <N>")]
    [Description("Closed loop: N workers, each sending its next operation when the last one answered. Default 64 (smoke: 4) when --rate is not given.")]
    public int? Connections { get; init; }

    [CommandOption("--max-in-flight <N>")]
    [Description("Open loop: operations in flight at most; an operation due while the cap is reached is dropped and counted. Default 2048 (smoke: 64).")]
    public int? MaxInFlight { get; init; }

    [CommandOption("--timeout <DURATION>")]
    [Description("Per-request timeout, reported as its own category. Default 10s.")]
    [TypeConverter(typeof(DurationConverter))]
    public TimeSpan? Timeout { get; init; }

    [CommandOption("--skus <N>")]
    [Description("Catalog size to seed. Default 1000 (smoke: 50).")]
    public int? Skus { get; init; }

    [CommandOption("--zipf <S>")]
    [Description("Zipf exponent of sku popularity; 0 is uniform. Default 1.0.")]
    public double? Zipf { get; init; }

    [CommandOption("--seed <N>")]
    [Description("Seed of the random choices (catalog order, popularity, cart contents). Default 1.")]
    public int? Seed { get; init; }

    [CommandOption("--clients <N>")]
    [Description("Send X-Forwarded-For with N synthetic client addresses (198.18.0.0/15); 0 sends none. Default 1000 toward a loopback --url (an Api trusts the header from loopback), else 0; flash-queue: one per shopper.")]
    public int? Clients { get; init; }

    [CommandOption("--cpu-pids <PIDS>")]
    [Description("Comma-separated process ids of the system under test (same machine, Linux), each optionally named by its tier (api=123,silo=456,redis=789): the report adds the CPU time they used during the measured window, per operation and per tier.")]
    public string? CpuPids { get; init; }

    [CommandOption("--redis-stats <ENDPOINTS>")]
    [Description("Comma-separated host:port of the Redis servers of the system under test: the report adds the Redis commands they processed during the measured window, per operation.")]
    public string? RedisStats { get; init; }

    [CommandOption("--prefix <PREFIX>")]
    [Description("Sku prefix instead of the run-specific LG<runid>; reusing one reuses (and restocks) that catalog.")]
    public string? Prefix { get; init; }

    [CommandOption("--label <NAME>")]
    [Description("Name of the system under test, written into the report (e.g. doorbuster, baseline).")]
    public string? Label { get; init; }

    [CommandOption("--report <DIR>")]
    [Description("Write <scenario>-<timestamp>.json and .md into this folder.")]
    public string? Report { get; init; }

    [CommandOption("--smoke")]
    [Description("A few seconds with small numbers, for CI.")]
    public bool Smoke { get; init; }

    [CommandOption("--no-invariant")]
    [Description("Skip the stock invariant check at the end.")]
    public bool NoInvariant { get; init; }

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Url) || !Uri.TryCreate(Url, UriKind.Absolute, out var url)
            || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            return ValidationResult.Error("--url must be an absolute http(s) URL, e.g. --url http://127.0.0.1:8080");
        }

        if (Rate is not null && Connections is not null)
        {
            return ValidationResult.Error("Give either --rate (open loop) or --connections (closed loop), not both.");
        }

        return Check(Rate is null or > 0, "--rate must be positive.")
            ?? Check(Connections is null or > 0, "--connections must be positive.")
            ?? Check(MaxInFlight is null or > 0, "--max-in-flight must be positive.")
            ?? Check(Skus is null or > 0 and <= 1_000_000, "--skus must be between 1 and 1,000,000.")
            ?? Check(Zipf is null or >= 0, "--zipf must be zero or positive.")
            ?? Check(Clients is null or >= 0 and <= 131_000, "--clients must be between 0 and 131,000.")
            ?? Check(Duration is null || Duration > TimeSpan.Zero, "--duration must be positive.")
            ?? Check(Timeout is null || Timeout > TimeSpan.Zero, "--timeout must be positive.")
            ?? Check(Prefix is null || (Prefix.Length is > 0 and <= 40 && Prefix.All(IsIdChar)), "--prefix must be 1-40 characters of [A-Za-z0-9_-].")
            ?? ValidateScenario();
    }

    /// <summary>Validation of the options a derived scenario adds.</summary>
    protected virtual ValidationResult ValidateScenario() => ValidationResult.Success();

    protected static ValidationResult? Check(bool condition, string message) =>
        condition ? null : ValidationResult.Error(message);

    private static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-';
}
