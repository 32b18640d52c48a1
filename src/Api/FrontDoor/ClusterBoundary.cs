using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace Doorbuster.Api.FrontDoor;

/// <summary>
/// The Api → cluster boundary: every grain call of a request passes here, through one resilience pipeline
/// (Polly v8 via Microsoft.Extensions.Resilience), so that a request is answered within the contract's
/// 2 seconds whatever the cluster or Redis does:
/// <list type="bullet">
/// <item>a total time budget per request, and a shorter one per attempt;</item>
/// <item>a circuit breaker that answers 503 at once while calls keep failing with outages (not with business
/// outcomes, which are values), and lets a probe through after <see cref="BreakDuration"/>;</item>
/// <item>one retry after a short pause, for reads and idempotent writes only, or for any call whose failure
/// provably changed nothing (a broken activation is replaced by a fresh one that re-read Redis).</item>
/// </list>
/// Grain calls carry no cancellation, so an abandoned call finishes in the cluster; every write of the
/// contract is idempotent under its key, which is what the 503 tells the client.
/// </summary>
public sealed class ClusterBoundary(ResiliencePipelineProvider<string> pipelines)
{
    public const string PipelineName = "cluster";

    /// <summary>The most a request waits for the cluster, all attempts together.</summary>
    public static readonly TimeSpan TotalBudget = TimeSpan.FromMilliseconds(1800);

    /// <summary>The most one attempt waits.</summary>
    public static readonly TimeSpan AttemptBudget = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// How long the breaker answers 503 at once before it lets a probe through. Short, because it is also how long
    /// a recovered store stays unused: a Sentinel failover's first writes to the new primary fail while the clients
    /// switch over, which opened the breaker just as the store came back (2 s measured 9.1 s without a cart write
    /// where the store was back after 5; the Retry-After of 1 s makes a longer break pointless anyway).
    /// </summary>
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(1);

    private static readonly ResiliencePropertyKey<bool> Idempotent = new("doorbuster.idempotent");

    /// <summary>Set when an attempt that was retried may have applied its change: the final answer must not say it was not.</summary>
    private static readonly ResiliencePropertyKey<bool> MayHaveApplied = new("doorbuster.may-have-applied");

    private readonly ResiliencePipeline _pipeline = pipelines.GetPipeline(PipelineName);

    /// <summary>A call that changes nothing.</summary>
    public Task<T> ReadAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken) => RunAsync(call, idempotent: true, cancellationToken);

    /// <summary>A change that is idempotent under its key (the same request twice has the effect of one).</summary>
    public Task<T> IdempotentWriteAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken) => RunAsync(call, idempotent: true, cancellationToken);

    /// <summary>A change that would be applied twice if repeated (retried only when it provably was not applied).</summary>
    public Task<T> WriteAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken) => RunAsync(call, idempotent: false, cancellationToken);

    /// <inheritdoc cref="WriteAsync{T}"/>
    public Task WriteAsync(Func<Task> call, CancellationToken cancellationToken) =>
        RunAsync(async () => { await call(); return true; }, idempotent: false, cancellationToken);

    /// <inheritdoc cref="IdempotentWriteAsync{T}"/>
    public Task IdempotentWriteAsync(Func<Task> call, CancellationToken cancellationToken) =>
        RunAsync(async () => { await call(); return true; }, idempotent: true, cancellationToken);

    public static void Configure(ResiliencePipelineBuilder pipeline) => pipeline
        .AddTimeout(TotalBudget)
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = 1,
            Delay = TimeSpan.FromMilliseconds(100),
            BackoffType = DelayBackoffType.Constant,
            UseJitter = true,
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } failure && failure is not (BrokenCircuitException or OperationCanceledException)
                && (ClusterFailures.ChangedNothing(failure)
                    || (args.Context.Properties.GetValue(Idempotent, false) && ClusterFailures.IsOutage(failure)))),
            OnRetry = args =>
            {
                if (args.Outcome.Exception is { } failure && ClusterFailures.Classify(failure) == ChangeOutcome.Unknown)
                {
                    args.Context.Properties.Set(MayHaveApplied, true);
                }

                return ValueTask.CompletedTask;
            },
        })
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = 0.5,
            MinimumThroughput = 10,
            SamplingDuration = TimeSpan.FromSeconds(5),
            BreakDuration = BreakDuration,
            // A request given up (client gone, budget spent) says nothing about the cluster; a timed-out attempt does.
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } failure and not OperationCanceledException && ClusterFailures.IsOutage(failure)),
        })
        .AddTimeout(AttemptBudget);

    private async Task<T> RunAsync<T>(Func<Task<T>> call, bool idempotent, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            context.Properties.Set(Idempotent, idempotent);
            return await _pipeline.ExecuteAsync(
                static (context, call) => new ValueTask<T>(call().WaitAsync(context.CancellationToken)), context, call);
        }
        catch (Exception exception) when (context.Properties.GetValue(MayHaveApplied, false) && ClusterFailures.ChangedNothing(exception))
        {
            // The retry changed nothing, but the attempt before it may have: that is what the client must hear.
            throw new StoreUnavailableException(
                mayHaveBeenApplied: true, "An earlier attempt may have applied the change before its answer was lost.", exception);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
