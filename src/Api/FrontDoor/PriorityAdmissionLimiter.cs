using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Doorbuster.Api.FrontDoor;

/// <summary>
/// The global limiter of admission control. Guarantee: the requests in flight never exceed
/// <see cref="AdmissionOptions.MaxConcurrentRequests"/>, and a class is admitted only while its own and the lower
/// classes' requests hold less than its ceiling, so browsing can never take the share kept for carts, nor carts
/// the share of checkout, nor anything the share of payments. Within that, a client is admitted at most its token
/// bucket's rate. A refused browse or cart request is answered at once; a checkout, admin write or payment may
/// wait in a small queue for a permit of its ceiling first. Requests outside <c>/api</c> are never limited.
/// </summary>
/// <remarks>
/// Built from the library's pieces, chained per class with <see cref="PartitionedRateLimiter.CreateChained{TResource}"/>:
/// a <see cref="TokenBucketRateLimiter"/> per client first, so a client over its rate never reaches the shared
/// ceilings or their queues, then one <see cref="ConcurrencyLimiter"/> per ceiling, nested: a request takes a
/// permit from its own ceiling and from every higher one, lowest first.
/// </remarks>
public sealed class PriorityAdmissionLimiter : PartitionedRateLimiter<HttpContext>
{
    /// <summary>The <c>reason</c> label of a request refused because its class's ceiling was full.</summary>
    public const string PriorityReason = "priority";

    /// <summary>The <c>reason</c> label of a request refused because its client's bucket was empty.</summary>
    public const string ClientReason = "client";

    private readonly List<PartitionedRateLimiter<HttpContext>> _owned = [];
    private readonly Dictionary<TrafficClass, PartitionedRateLimiter<HttpContext>> _chains;
    private readonly PartitionedRateLimiter<HttpContext> _unlimited;
    private volatile bool _disposed;

    public PriorityAdmissionLimiter(IOptions<AdmissionOptions> options)
    {
        var admission = options.Value;
        var browse = Own(Ceiling(admission.PermitsUnder(admission.BrowseCeilingPercent), queueLimit: 0));
        var cart = Own(Ceiling(admission.PermitsUnder(admission.CartCeilingPercent), queueLimit: 0));
        var checkout = Own(Ceiling(admission.PermitsUnder(admission.CheckoutCeilingPercent), admission.CheckoutQueueLimit));
        var pool = Own(Ceiling(admission.MaxConcurrentRequests, admission.PayQueueLimit));
        var clients = admission.PerClientLimitsEnabled ? Own(ClientBuckets(admission)) : null;

        _chains = new()
        {
            [TrafficClass.Browse] = Chain(clients, browse, cart, checkout, pool),
            [TrafficClass.Cart] = Chain(clients, cart, checkout, pool),

            // The admin key holder is the operator (or the load generator's setup), not a shopper: no bucket.
            [TrafficClass.Admin] = Chain(checkout, pool),
            [TrafficClass.Checkout] = Chain(clients, checkout, pool),
            [TrafficClass.Pay] = Chain(clients, pool),
        };
        var unlimited = RateLimitPartition.GetNoLimiter(0);
        _unlimited = Own(PartitionedRateLimiter.Create<HttpContext, int>(_ => unlimited));
    }

    /// <summary>Why a refused lease was refused: only a token bucket can tell when to come back, a ceiling cannot.</summary>
    public static string ReasonOf(RateLimitLease refused) =>
        refused.TryGetMetadata(MetadataName.RetryAfter, out _) ? ClientReason : PriorityReason;

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => ChainOf(resource, out _).GetStatistics(resource);

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        var chain = ChainOf(resource, out _);
        try
        {
            return chain.AttemptAcquire(resource, permitCount);
        }
        catch (ObjectDisposedException) when (!_disposed)
        {
            // A partitioned limiter may drop an idle partition between handing it out and its use
            // (dotnet/runtime#99865); the chain gave back what it had taken, and the next try gets a fresh one.
            return chain.AttemptAcquire(resource, permitCount);
        }
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
    {
        // The middleware comes here after every refused attempt, and a ceiling's queue cannot tell classes apart:
        // were browsing let in, it would wait in checkout's queue. Classes without a queue only ever attempt.
        var chain = ChainOf(resource, out var trafficClass);
        if (trafficClass is not (TrafficClass.Checkout or TrafficClass.Admin or TrafficClass.Pay))
        {
            return AttemptAcquireCore(resource, permitCount);
        }

        try
        {
            return await chain.AcquireAsync(resource, permitCount, cancellationToken);
        }
        catch (ObjectDisposedException) when (!_disposed)
        {
            return await chain.AcquireAsync(resource, permitCount, cancellationToken);
        }
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        if (disposing)
        {
            foreach (var limiter in _owned)
            {
                limiter.Dispose();
            }
        }
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        _disposed = true;
        foreach (var limiter in _owned)
        {
            await limiter.DisposeAsync();
        }
    }

    private PartitionedRateLimiter<HttpContext> ChainOf(HttpContext context, out TrafficClass? trafficClass)
    {
        trafficClass = TrafficClassifier.Classify(context);
        return trafficClass is { } known ? _chains[known] : _unlimited;
    }

    private PartitionedRateLimiter<HttpContext> Own(PartitionedRateLimiter<HttpContext> limiter)
    {
        _owned.Add(limiter);
        return limiter;
    }

    private static PartitionedRateLimiter<HttpContext> Chain(params PartitionedRateLimiter<HttpContext>?[] limiters) =>
        PartitionedRateLimiter.CreateChained([.. limiters.OfType<PartitionedRateLimiter<HttpContext>>()]);

    /// <summary>
    /// One ceiling: a single partition, so that it chains with the others; the partitioned limiter also replaces
    /// it with a fresh one after it has been idle (all permits back) for a while.
    /// </summary>
    private static PartitionedRateLimiter<HttpContext> Ceiling(int permits, int queueLimit)
    {
        var options = new ConcurrencyLimiterOptions
        {
            PermitLimit = permits,
            QueueLimit = queueLimit,

            // Oldest first also means that while anyone waits, no newcomer (of any class) takes a returned permit.
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        };
        var partition = RateLimitPartition.GetConcurrencyLimiter(0, _ => options);
        return PartitionedRateLimiter.Create<HttpContext, int>(_ => partition);
    }

    /// <summary>
    /// A token bucket per client address. The partitioned limiter refills every bucket from one timer and drops a
    /// bucket once it has been full (idle) for about ten seconds, so memory follows the clients seen lately.
    /// </summary>
    private static PartitionedRateLimiter<HttpContext> ClientBuckets(AdmissionOptions admission)
    {
        var options = new TokenBucketRateLimiterOptions
        {
            TokenLimit = admission.PerClientBurst,
            TokensPerPeriod = admission.PerClientRequestsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = false,
        };

        // Without a peer address (an in-memory test server) there is no client to tell apart; the unspecified
        // address never is a peer, so it serves as the key of that one unlimited partition.
        var unknownClient = RateLimitPartition.GetNoLimiter(IPAddress.IPv6Any);
        return PartitionedRateLimiter.Create<HttpContext, IPAddress>(context =>
            ClientAddresses.KeyOf(context) is { } client ? RateLimitPartition.GetTokenBucketLimiter(client, _ => options) : unknownClient);
    }
}
