namespace Doorbuster.Api.FrontDoor;

/// <summary>
/// Admission control of one Api instance (configuration section <c>Admission</c>, environment
/// <c>Admission__*</c>), validated on start; docs/admission.md explains the design and how to tune it.
/// </summary>
public sealed class AdmissionOptions
{
    public const string SectionName = "Admission";

    /// <summary>Requests of every class in flight at once in this instance: the pool the ceilings share out.</summary>
    public int MaxConcurrentRequests { get; set; } = 1024;

    /// <summary>Browsing is admitted while browsing holds less than this percentage of the pool.</summary>
    public int BrowseCeilingPercent { get; set; } = 60;

    /// <summary>Cart requests are admitted while browsing and carts together hold less than this percentage.</summary>
    public int CartCeilingPercent { get; set; } = 75;

    /// <summary>
    /// Checkouts and admin writes are admitted while all but payments hold less than this percentage; the rest
    /// of the pool is kept for payments, which may use all of it.
    /// </summary>
    public int CheckoutCeilingPercent { get; set; } = 90;

    /// <summary>Checkouts and admin writes that may wait for a permit of their ceiling; beyond, 429. Browsing and carts never wait.</summary>
    public int CheckoutQueueLimit { get; set; } = 32;

    /// <summary>Requests that may wait for a permit of the whole pool: payments, and checkouts past their own ceiling.</summary>
    public int PayQueueLimit { get; set; } = 64;

    /// <summary>Requests a client may send at once before its per-second rate applies (its token bucket); 0 turns per-client limits off.</summary>
    public int PerClientBurst { get; set; } = 200;

    /// <summary>Requests per second a client is admitted in the long run (its bucket's refill); 0 turns per-client limits off.</summary>
    public int PerClientRequestsPerSecond { get; set; } = 50;

    /// <summary>
    /// Proxies whose <c>X-Forwarded-For</c> names the client: IP addresses and CIDR ranges, separated by commas
    /// (<c>10.244.0.0/16,192.0.2.7</c>). Empty: loopback only, ASP.NET Core's default. Listing any replaces
    /// loopback; list it too if a local proxy is in front.
    /// </summary>
    public string? TrustedProxies { get; set; }

    public bool PerClientLimitsEnabled => PerClientBurst > 0 && PerClientRequestsPerSecond > 0;

    /// <summary>The permits of a ceiling: its share of the pool, at least one.</summary>
    public int PermitsUnder(int ceilingPercent) => (int)Math.Max(1, (long)MaxConcurrentRequests * ceilingPercent / 100);
}
