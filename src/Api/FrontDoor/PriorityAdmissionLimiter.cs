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
/// Built from the library's limiters: a <see cref="TokenBucketRateLimiter"/> per client first (one partitioned
/// limiter), so a client over its rate never reaches the shared ceilings or their queues, then one
/// <see cref="ConcurrencyLimiter"/> per ceiling, nested: a request takes a permit from its own ceiling and from every
/// higher one, lowest first, one after the other as <see cref="PartitionedRateLimiter.CreateChained{TResource}"/>
/// would. The ceilings are taken directly rather than through a chain of single-partition limiters, which cost a
/// partition lookup, a lock and a lease each on every request (measured in docs/performance.md).
/// </remarks>
public sealed class PriorityAdmissionLimiter : PartitionedRateLimiter<HttpContext>
{
    /// <summary>The <c>reason</c> label of a request refused because its class's ceiling was full.</summary>
    public const string PriorityReason = "priority";

    /// <summary>The <c>reason</c> label of a request refused because its client's bucket was empty.</summary>
    public const string ClientReason = "client";

    private readonly PartitionedRateLimiter<HttpContext>? _clients;
    private readonly RateLimiter[] _ceilings;
    private readonly Dictionary<TrafficClass, ClassLimits> _classes;
    private readonly RateLimiter _unlimited = RateLimitPartition.GetNoLimiter(0).Factory(0);
    private volatile bool _disposed;

    public PriorityAdmissionLimiter(IOptions<AdmissionOptions> options)
    {
        var admission = options.Value;
        var browse = Ceiling(admission.PermitsUnder(admission.BrowseCeilingPercent), queueLimit: 0);
        var cart = Ceiling(admission.PermitsUnder(admission.CartCeilingPercent), queueLimit: 0);
        var checkout = Ceiling(admission.PermitsUnder(admission.CheckoutCeilingPercent), admission.CheckoutQueueLimit);
        var pool = Ceiling(admission.MaxConcurrentRequests, admission.PayQueueLimit);
        _ceilings = [browse, cart, checkout, pool];
        _clients = admission.PerClientLimitsEnabled ? ClientBuckets(admission) : null;

        _classes = new()
        {
            [TrafficClass.Browse] = new(ClientBucket: true, [browse, cart, checkout, pool]),
            [TrafficClass.Cart] = new(ClientBucket: true, [cart, checkout, pool]),

            // The admin key holder is the operator (or the load generator's setup), not a shopper: no bucket.
            [TrafficClass.Admin] = new(ClientBucket: false, [checkout, pool]),
            [TrafficClass.Checkout] = new(ClientBucket: true, [checkout, pool]),
            [TrafficClass.Pay] = new(ClientBucket: true, [pool]),
        };
    }

    /// <summary>Why a refused lease was refused: only a token bucket can tell when to come back, a ceiling cannot.</summary>
    public static string ReasonOf(RateLimitLease refused) =>
        refused.TryGetMetadata(MetadataName.RetryAfter, out _) ? ClientReason : PriorityReason;

    /// <summary>The class's limits taken together: the fewest permits available, the requests queued in all of them.</summary>
    public override RateLimiterStatistics? GetStatistics(HttpContext resource)
    {
        if (LimitsOf(resource, out _) is not { } limits)
        {
            return _unlimited.GetStatistics();
        }

        var statistics = limits.Ceilings.Select(ceiling => ceiling.GetStatistics()!).ToList();
        if (limits.ClientBucket && _clients?.GetStatistics(resource) is { } bucket)
        {
            statistics.Add(bucket);
        }

        return new RateLimiterStatistics
        {
            CurrentAvailablePermits = statistics.Min(s => s.CurrentAvailablePermits),
            CurrentQueuedCount = statistics.Sum(s => s.CurrentQueuedCount),
            TotalFailedLeases = statistics.Sum(s => s.TotalFailedLeases),
            TotalSuccessfulLeases = statistics.Min(s => s.TotalSuccessfulLeases),
        };
    }

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        if (LimitsOf(resource, out _) is not { } limits)
        {
            return _unlimited.AttemptAcquire(permitCount);
        }

        RateLimitLease? bucket = null;
        if (limits.ClientBucket && _clients is not null)
        {
            bucket = AttemptBucket(resource, permitCount);
            if (!bucket.IsAcquired)
            {
                return bucket;
            }
        }

        var leases = new RateLimitLease[limits.Ceilings.Length];
        for (var i = 0; i < leases.Length; i++)
        {
            leases[i] = limits.Ceilings[i].AttemptAcquire(permitCount);
            if (!leases[i].IsAcquired)
            {
                GiveBack(bucket, leases, i);
                return leases[i];
            }
        }

        return new AdmittedLease(bucket, leases);
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
    {
        // The middleware comes here after every refused attempt, and a ceiling's queue cannot tell classes apart:
        // were browsing let in, it would wait in checkout's queue. Classes without a queue only ever attempt.
        if (LimitsOf(resource, out var trafficClass) is not { } limits || trafficClass is not (TrafficClass.Checkout or TrafficClass.Admin or TrafficClass.Pay))
        {
            return AttemptAcquireCore(resource, permitCount);
        }

        // A bucket never queues (its queue limit is 0): an attempt is all it has to give.
        RateLimitLease? bucket = null;
        if (limits.ClientBucket && _clients is not null)
        {
            bucket = AttemptBucket(resource, permitCount);
            if (!bucket.IsAcquired)
            {
                return bucket;
            }
        }

        var leases = new RateLimitLease[limits.Ceilings.Length];
        for (var i = 0; i < leases.Length; i++)
        {
            try
            {
                leases[i] = await limits.Ceilings[i].AcquireAsync(permitCount, cancellationToken);
            }
            catch
            {
                GiveBack(bucket, leases, i);
                throw;
            }

            if (!leases[i].IsAcquired)
            {
                GiveBack(bucket, leases, i);
                return leases[i];
            }
        }

        return new AdmittedLease(bucket, leases);
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        if (disposing)
        {
            _clients?.Dispose();
            foreach (var ceiling in _ceilings)
            {
                ceiling.Dispose();
            }

            _unlimited.Dispose();
        }
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        _disposed = true;
        if (_clients is not null)
        {
            await _clients.DisposeAsync();
        }

        foreach (var ceiling in _ceilings)
        {
            await ceiling.DisposeAsync();
        }

        await _unlimited.DisposeAsync();
    }

    private ClassLimits? LimitsOf(HttpContext context, out TrafficClass? trafficClass)
    {
        trafficClass = TrafficClassifier.Classify(context);
        return trafficClass is { } known ? _classes[known] : null;
    }

    private RateLimitLease AttemptBucket(HttpContext resource, int permitCount)
    {
        try
        {
            return _clients!.AttemptAcquire(resource, permitCount);
        }
        catch (ObjectDisposedException) when (!_disposed)
        {
            // A partitioned limiter may drop an idle partition between handing it out and its use
            // (dotnet/runtime#99865); the next try gets a fresh one.
            return _clients!.AttemptAcquire(resource, permitCount);
        }
    }

    /// <summary>Gives back the permits taken before the ceiling at <paramref name="refusedAt"/> refused (or threw).</summary>
    private static void GiveBack(RateLimitLease? bucket, RateLimitLease[] leases, int refusedAt)
    {
        for (var i = 0; i < refusedAt; i++)
        {
            leases[i].Dispose();
        }

        bucket?.Dispose();
    }

    private static ConcurrencyLimiter Ceiling(int permits, int queueLimit) => new(new ConcurrencyLimiterOptions
    {
        PermitLimit = permits,
        QueueLimit = queueLimit,

        // Oldest first also means that while anyone waits, no newcomer (of any class) takes a returned permit.
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

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

    /// <summary>What a class takes: a permit of its client's bucket (or not), and one of each ceiling, lowest first.</summary>
    private sealed record ClassLimits(bool ClientBucket, RateLimiter[] Ceilings);

    /// <summary>An admitted request's permits, all given back when it ends.</summary>
    private sealed class AdmittedLease(RateLimitLease? bucket, RateLimitLease[] ceilings) : RateLimitLease
    {
        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                foreach (var lease in ceilings)
                {
                    lease.Dispose();
                }

                bucket?.Dispose();
            }
        }
    }
}
