using Doorbuster.Api.Diagnostics;
using Doorbuster.ServiceDefaults;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Doorbuster.Api.FrontDoor;

/// <summary>
/// Admission control: under saturation the lower traffic classes are shed first, and each client gets its fair
/// share, with 429 and Retry-After before anything is queued behind the front door or a grain is called
/// (<see cref="PriorityAdmissionLimiter"/>; docs/admission.md).
/// </summary>
public static class AdmissionControl
{
    private static long s_lastProxyWarning;

    public static WebApplicationBuilder AddAdmissionControl(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdmissionOptions>()
            .BindConfiguration(AdmissionOptions.SectionName)
            .Validate(o => o.MaxConcurrentRequests > 0, "Admission:MaxConcurrentRequests must be positive.")
            .Validate(
                o => o.BrowseCeilingPercent > 0 && o.BrowseCeilingPercent <= o.CartCeilingPercent
                    && o.CartCeilingPercent <= o.CheckoutCeilingPercent && o.CheckoutCeilingPercent <= 100,
                "Admission ceilings must rise with the class: 0 < BrowseCeilingPercent <= CartCeilingPercent <= CheckoutCeilingPercent <= 100.")
            .Validate(o => o.CheckoutQueueLimit >= 0 && o.PayQueueLimit >= 0, "Admission queue limits must not be negative.")
            .Validate(
                o => o.PerClientBurst >= 0 && o.PerClientRequestsPerSecond >= 0,
                "Admission:PerClientBurst and PerClientRequestsPerSecond must not be negative (0 turns per-client limits off).")
            .Validate(
                o => ClientAddresses.TryParseTrustedProxies(o.TrustedProxies, out _, out _),
                "Admission:TrustedProxies must list IP addresses or CIDR ranges (10.0.0.0/8), separated by commas.")
            .ValidateOnStart();

        builder.Services.AddOptions<ForwardedHeadersOptions>()
            .Configure<IOptions<AdmissionOptions>>((forwarded, admission) => ClientAddresses.TrustProxies(forwarded, admission.Value.TrustedProxies));

        builder.Services.AddSingleton<PriorityAdmissionLimiter>();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<PriorityAdmissionLimiter>((limiter, admission) =>
        {
            limiter.GlobalLimiter = admission;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (rejected, _) => ShedAsync(rejected);
        });
        return builder;
    }

    public static WebApplication UseAdmissionControl(this WebApplication app)
    {
        // The client's address must be known before its bucket is chosen.
        app.UseForwardedHeaders();
        app.UseRateLimiter();
        return app;
    }

    private static async ValueTask ShedAsync(OnRejectedContext rejected)
    {
        var context = rejected.HttpContext;
        var reason = PriorityAdmissionLimiter.ReasonOf(rejected.Lease);
        var trafficClass = TrafficClassifier.Classify(context) ?? TrafficClass.Browse;
        context.RequestServices.GetRequiredService<ApiMetrics>().AdmissionRejected(TrafficClassifier.Label(trafficClass), reason);
        if (reason == PriorityAdmissionLimiter.ClientReason)
        {
            WarnIfBehindAnUntrustedProxy(context);
        }

        Problems.SetRetryAfter(context.Response);
        var detail = reason == PriorityAdmissionLimiter.ClientReason
            ? "This client has sent more requests than its share; the request was not processed. Retry after the time in Retry-After."
            : "The store is busy; the request was not processed. Retry after the time in Retry-After.";
        await TypedResults.Problem(
            detail,
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests",
            type: ProblemTypes.For("overloaded")).ExecuteAsync(context);
    }

    /// <summary>
    /// A proxy that is not trusted puts all of its clients into its own bucket, and they are refused together:
    /// say so in the log (at most once a minute), since the metrics alone show only refused clients.
    /// </summary>
    private static void WarnIfBehindAnUntrustedProxy(HttpContext context)
    {
        // The forwarded headers middleware keeps the peer's address in X-Original-For when it trusted the peer.
        var headers = context.Request.Headers;
        if (!headers.ContainsKey("X-Forwarded-For") || headers.ContainsKey("X-Original-For"))
        {
            return;
        }

        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref s_lastProxyWarning);
        if ((last != 0 && now - last < 60_000) || Interlocked.CompareExchange(ref s_lastProxyWarning, now, last) != last)
        {
            return;
        }

        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdmissionControl).FullName!).LogWarning(
            "Refused {Peer} for its per-client limit; it sent X-Forwarded-For but is not a trusted proxy, so every client behind it " +
            "shares one bucket. If it is your proxy, list it in Admission:TrustedProxies (Admission__TrustedProxies).",
            context.Connection.RemoteIpAddress);
    }
}
