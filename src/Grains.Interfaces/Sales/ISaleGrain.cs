using Orleans.Concurrency;

namespace Doorbuster.Sales;

/// <summary>
/// One flash sale's waiting room, keyed by sale id. It hands out places in the queue (in batches, so that
/// joining costs one grain turn per batch, not per shopper), advances "admitted through position N" at the
/// sale's rate, watches its skus' stock for "sold out", and lets each admitted ticket through one checkout.
/// Polling is answered by the Api from the <see cref="SaleSnapshot"/> it fetches at most twice a second.
/// </summary>
/// <remarks>
/// Every count lives in Redis and moves there atomically (one script per batch of joins, per admission step,
/// per claim), so a silo crash or a second activation can skip a place, never hand it out twice, and an
/// admission is stored before anyone is told of it.
/// </remarks>
[Alias("Doorbuster.Sales.ISaleGrain")]
public interface ISaleGrain : IGrainWithStringKey
{
    /// <summary>The sale as it is now, or <c>null</c> when it was never defined.</summary>
    [ReadOnly, AlwaysInterleave, Alias("Get")]
    Task<SaleSnapshot?> GetAsync();

    /// <summary>Creates the sale or changes it. Once it has started, only the admission rate, validity and ticket limit may change.</summary>
    [Alias("Define")]
    Task<SaleDefineResult> DefineAsync(SaleDefinition definition);

    /// <summary>Ends the sale: no more tickets or admissions, and its skus are no longer gated. <c>null</c> when it was never defined.</summary>
    [Alias("End")]
    Task<SaleSnapshot?> EndAsync();

    /// <summary>
    /// Gives each client of the batch, in order, its place: a place in the pre-queue before the start, a
    /// position in arrival order after it, or a refusal when the client holds the sale's ticket limit.
    /// </summary>
    [AlwaysInterleave, Alias("Join")]
    Task<JoinResult> JoinAsync(string[] clients);

    /// <summary>
    /// Lets <paramref name="ticket"/> through the checkout of <paramref name="orderId"/>: it must be admitted,
    /// within its validity, and not already used by another order (a repeat for the same order is the same use).
    /// </summary>
    [Alias("Claim")]
    Task<ClaimOutcome> ClaimAsync(string ticket, string orderId);

    /// <summary>Gives the ticket back after the checkout it let through was refused (out of stock, empty cart).</summary>
    [Alias("ReleaseClaim")]
    Task ReleaseClaimAsync(string ticket, string orderId);
}

/// <summary>What an operator sets for a sale.</summary>
[GenerateSerializer, Immutable, Alias("Doorbuster.Sales.SaleDefinition")]
public sealed record SaleDefinition(string[] Skus, DateTimeOffset StartsAt, int AdmitPerSecond, TimeSpan AdmissionValidFor, int TicketsPerClient);

[GenerateSerializer, Alias("Doorbuster.Sales.SaleDefineOutcome")]
public enum SaleDefineOutcome
{
    Defined = 0,

    /// <summary>Some skus have no product.</summary>
    UnknownSkus = 1,

    /// <summary>A change the sale's state forbids (its skus or start after it started, anything after it ended).</summary>
    Refused = 2,
}

[GenerateSerializer, Immutable, Alias("Doorbuster.Sales.SaleDefineResult")]
public sealed record SaleDefineResult(SaleDefineOutcome Outcome, SaleSnapshot? Sale, string[] UnknownSkus, string? Reason);

/// <summary>
/// A sale as the Api needs it to answer tickets without a grain call: its definition, the key its tickets are
/// signed with (it never leaves the cluster), the queue's counters, and the recent admissions.
/// </summary>
[GenerateSerializer, Immutable, Alias("Doorbuster.Sales.SaleSnapshot")]
public sealed record SaleSnapshot(
    [property: Id(0)] string SaleId,
    [property: Id(1)] SaleDefinition Definition,
    [property: Id(2)] byte[] TicketKey,
    [property: Id(3)] DateTimeOffset? EndedAt,
    [property: Id(4)] bool SoldOut,
    [property: Id(5)] PrequeueDraw? Draw,
    [property: Id(6)] long PreJoined,
    [property: Id(7)] long PostJoined,
    [property: Id(8)] long AdmittedThrough,
    [property: Id(9)] long ExpiredThrough,
    [property: Id(10)] Admission[] RecentAdmissions,
    [property: Id(11)] long[] UsedPositions,
    [property: Id(12)] DateTimeOffset AsOf)
{
    /// <summary>Everyone who holds a ticket.</summary>
    public long Joined => PreJoined + PostJoined;

    public SaleStatus StatusAt(DateTimeOffset now) =>
        EndedAt is not null ? SaleStatus.Ended
        : now < Definition.StartsAt ? SaleStatus.Scheduled
        : SoldOut ? SaleStatus.SoldOut
        : SaleStatus.Open;

    /// <summary>When <paramref name="position"/> was admitted, when that is within the validity window; otherwise <c>null</c>.</summary>
    public DateTimeOffset? AdmittedAt(long position)
    {
        if (position <= ExpiredThrough || position > AdmittedThrough)
        {
            return null;
        }

        foreach (var admission in RecentAdmissions)
        {
            if (admission.Through >= position)
            {
                return admission.At;
            }
        }

        return null;
    }
}

[GenerateSerializer, Alias("Doorbuster.Sales.SaleStatus")]
public enum SaleStatus
{
    Scheduled = 0,
    Open = 1,
    SoldOut = 2,
    Ended = 3,
}

/// <summary>The pre-queue fixed at the start: how many joined before it, and the seed of their random order.</summary>
[GenerateSerializer, Immutable, Alias("Doorbuster.Sales.PrequeueDraw")]
public sealed record PrequeueDraw(long Count, ulong Seed);

/// <summary>Positions up to <see cref="Through"/> were admitted by <see cref="At"/>.</summary>
[GenerateSerializer, Immutable, Alias("Doorbuster.Sales.Admission")]
public readonly record struct Admission([property: Id(0)] long Through, [property: Id(1)] DateTimeOffset At);

/// <summary>
/// The places a batch of joins got, in the batch's order: a positive number is a position in arrival order
/// after the pre-queue (1 = the first to join after the start), a negative one a place in the pre-queue
/// (-1 = the first to join before it), and 0 a client already holding the sale's ticket limit.
/// </summary>
[GenerateSerializer, Immutable, Alias("Doorbuster.Sales.JoinResult")]
public sealed record JoinResult(JoinOutcome Outcome, long[] Places, SaleSnapshot? Sale);

[GenerateSerializer, Alias("Doorbuster.Sales.JoinOutcome")]
public enum JoinOutcome
{
    Joined = 0,
    NotFound = 1,
    Ended = 2,
}

[GenerateSerializer, Alias("Doorbuster.Sales.ClaimOutcome")]
public enum ClaimOutcome
{
    Claimed = 0,

    /// <summary>The ticket is not one this sale issued.</summary>
    Invalid = 1,

    /// <summary>Its turn has not come yet.</summary>
    NotAdmitted = 2,

    /// <summary>Its admission is past its validity.</summary>
    Expired = 3,

    /// <summary>It already let another checkout through.</summary>
    Used = 4,

    /// <summary>The sale ended (or was never defined).</summary>
    Ended = 5,
}
