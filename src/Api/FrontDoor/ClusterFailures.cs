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
        // A SiloUnavailableException is one of these rejections when the Api's own call gets it. The one Orleans
        // raises for a call already sent to a silo that then died (CallbackData.OnTargetSiloFail) is raised only for
        // calls made inside a silo: the Api's call whose gateway or target dies on the way times out (Unknown, below),
        // and the grains of the routes that are not idempotent (a cart add, a keyless restock, a sale join) call no
        // other grain.
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
