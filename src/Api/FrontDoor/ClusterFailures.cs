using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using Polly.CircuitBreaker;
using Polly.Timeout;
using StackExchange.Redis;

namespace Doorbuster.Api.FrontDoor;

/// <summary>
/// What a failed call to the cluster means for its caller: an outage (503) or a bug (500), and for an
/// outage whether a change was certainly not applied or may have been.
/// </summary>
public static class ClusterFailures
{
    /// <summary>Whether <paramref name="exception"/> is an outage, and what it says about the change; <c>null</c> for a bug.</summary>
    public static ChangeOutcome? Classify(Exception exception) => exception switch
    {
        StoreUnavailableException store => store.MayHaveBeenApplied ? ChangeOutcome.Unknown : ChangeOutcome.NotApplied,

        // Refused before any grain ran the call: by the circuit breaker, by a gateway, or for want of a connection.
        BrokenCircuitException or OrleansMessageRejectionException or ConnectionFailedException
            or GatewayTooBusyException or ClientNotAvailableException => ChangeOutcome.NotApplied,
        TimeoutRejectedException or OrleansException or TimeoutException or RedisException or OperationCanceledException => ChangeOutcome.Unknown,
        AggregateException { InnerExceptions.Count: > 0 } aggregate =>
            aggregate.InnerExceptions.Select(Classify).Aggregate((ChangeOutcome?)ChangeOutcome.NotApplied, Worst),
        { InnerException: { } inner } => Classify(inner),
        _ => null,
    };

    /// <summary>An outage of any kind (what the circuit breaker counts).</summary>
    public static bool IsOutage(Exception exception) => Classify(exception) is not null;

    /// <summary>An outage that provably changed nothing (what may be retried even when the call is not idempotent).</summary>
    public static bool ChangedNothing(Exception exception) => Classify(exception) == ChangeOutcome.NotApplied;

    private static ChangeOutcome? Worst(ChangeOutcome? a, ChangeOutcome? b) =>
        a is null || b is null ? null : a == ChangeOutcome.Unknown || b == ChangeOutcome.Unknown ? ChangeOutcome.Unknown : ChangeOutcome.NotApplied;
}

/// <summary>What an outage says about a change the request asked for.</summary>
public enum ChangeOutcome
{
    NotApplied,
    Unknown,
}
