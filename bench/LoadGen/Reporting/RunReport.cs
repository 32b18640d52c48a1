namespace Doorbuster.LoadGen.Reporting;

// The machine-readable report. Field names are a contract for scripts (bench/run-comparison.sh, dashboards):
// add fields, never rename them. Latencies are milliseconds, rates are per second.

/// <summary>One run of one scenario.</summary>
public sealed record RunReport(
    string Tool,
    int SchemaVersion,
    string Scenario,
    string? Label,
    string RunId,
    string Url,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    RunParameters Parameters,
    IReadOnlyList<PhaseReport> Phases,
    FlashSaleReport? FlashSale,
    IReadOnlyList<OverloadStepReport>? OverloadSteps,
    InvariantReport? Invariant,
    IReadOnlyDictionary<string, long> ServerErrors,
    IReadOnlyList<CheckReport> Checks,
    bool Passed,
    int ExitCode);

/// <summary>The options the run used, defaults filled in.</summary>
public sealed record RunParameters(
    string Mode,
    double? Rate,
    int Connections,
    int MaxInFlight,
    double DurationSeconds,
    double WarmupSeconds,
    double TimeoutSeconds,
    int Skus,
    double Zipf,
    int Seed,
    int Clients,
    string Prefix,
    bool Smoke,
    int? Pool,
    int? Outstanding,
    double? Pay,
    int? Buyers,
    int? Units,
    string? HotSku,
    double? Peak,
    double? StepDurationSeconds);

/// <summary>
/// A measured stretch of load. <c>Operations</c> is one entry per operation (a cart iteration is two requests),
/// latency from the intended start; <c>Requests</c> is one entry per request kind.
/// </summary>
public sealed record PhaseReport(
    string Name,
    string Mode,
    double? OfferedRate,
    int? Connections,
    double DurationSeconds,
    bool StoppedEarly,
    KindReport Operations,
    IReadOnlyList<KindReport> Requests,
    long RequestCount,
    double RequestsPerSecond,
    double GoodputPerSecond,
    double Share429,
    double Share503,
    LatencyReport AdmittedLatencyMs,
    LatencyReport ShedLatencyMs,
    LatencyReport? ScheduleLagMs,
    long RetryAfterWaits)
{
    /// <summary>When the measured window began (UTC), for the phases LoadGen drives itself.</summary>
    public DateTimeOffset? MeasuredFrom { get; init; }

    /// <summary>
    /// The operations of each measured second (by intended start), for the phases LoadGen drives itself; <c>null</c>
    /// for the flash-sale and waiting-room phases.
    /// </summary>
    public IReadOnlyList<SecondReport>? Timeline { get; init; }

    /// <summary>CPU seconds the processes of <c>--cpu-pids</c> used in the measured window; <c>null</c> without them.</summary>
    public double? ServerCpuSeconds { get; init; }

    /// <summary>Server CPU milliseconds per operation over the measured window.</summary>
    public double? ServerCpuMsPerOperation =>
        ServerCpuSeconds is { } seconds && Operations.Count > 0 ? Math.Round(seconds * 1000 / Operations.Count, 4) : null;

    /// <summary>CPU seconds of each tier (as <c>--cpu-pids</c> named them) in the measured window; <c>null</c> without them.</summary>
    public IReadOnlyDictionary<string, double>? ServerCpuSecondsByTier { get; init; }

    /// <summary>CPU milliseconds per operation of each tier over the measured window.</summary>
    public IReadOnlyDictionary<string, double>? ServerCpuMsPerOperationByTier =>
        ServerCpuSecondsByTier is { } tiers && Operations.Count > 0
            ? tiers.ToDictionary(tier => tier.Key, tier => Math.Round(tier.Value * 1000 / Operations.Count, 4))
            : null;

    /// <summary>Commands the servers of <c>--redis-stats</c> processed in the measured window; <c>null</c> without them.</summary>
    public long? RedisCommands { get; init; }

    /// <summary>Redis commands per operation over the measured window.</summary>
    public double? RedisCommandsPerOperation =>
        RedisCommands is { } commands && Operations.Count > 0 ? Math.Round((double)commands / Operations.Count, 3) : null;
}

/// <summary>
/// Counts and latencies of one kind of request (or of operations). <c>AdmittedLatencyMs</c> leaves out the 429s,
/// which a shedding server answers fast; <c>ShedLatencyMs</c> is theirs alone.
/// </summary>
public sealed record KindReport(
    string Kind,
    long Count,
    double PerSecond,
    long Success,
    LatencyReport LatencyMs,
    LatencyReport AdmittedLatencyMs,
    LatencyReport ShedLatencyMs,
    IReadOnlyDictionary<string, long> StatusCodes,
    long ServerErrors,
    long Timeouts,
    long NetworkErrors,
    long InvalidResponses,
    long Dropped,
    long Skipped,
    long Canceled);

public sealed record LatencyReport(long Count, double P50, double P90, double P99, double P999, double Max, double Mean);

public sealed record FlashSaleReport(
    string Sku,
    int Buyers,
    int Units,
    long Wins,
    long InsufficientStock,
    IReadOnlyDictionary<string, long> OtherOutcomes,
    double BurstSeconds,
    StockReport? StockAfterSale,
    int Paid,
    StockReport? StockAfterPay);

public sealed record StockReport(long Available, long Reserved, long Sold);

/// <summary>
/// One overload step, in operations: offered and good (2xx) per second, shares of 429 and 503, admitted latency;
/// and how fast the shed requests were refused (request by request: an operation ends at its first 429; null
/// when none was shed).
/// </summary>
public sealed record OverloadStepReport(
    string Step,
    double Multiplier,
    double OfferedRate,
    double GoodputPerSecond,
    double Share429,
    double Share503,
    double AdmittedP50Ms,
    double AdmittedP99Ms,
    double? ShedP50Ms,
    double? ShedP99Ms,
    long Dropped,
    long Timeouts);

public sealed record InvariantReport(int Checked, IReadOnlyList<InvariantViolation> Violations);

public sealed record InvariantViolation(string Sku, long? Available, long? Reserved, long? Sold, long ExpectedTotal, string Problem);

public sealed record CheckReport(string Name, bool Passed, string Detail);

/// <summary>The operations whose intended start fell in one second of the measured window (0 is its first).</summary>
public sealed record SecondReport(int Second, long Count, double P99, double Max);
