using System.Threading.RateLimiting;
using Doorbuster.Api.Diagnostics;
using Doorbuster.ServiceDefaults;
using Microsoft.AspNetCore.RateLimiting;

namespace Doorbuster.Api.FrontDoor;

/// <summary>
/// Admission control: each traffic class has its own concurrency budget and no queue, so excess load is
/// shed at once with 429 and Retry-After instead of queuing until everything times out. Checkout and
/// payment have a budget of their own, so browsing cannot starve them.
/// </summary>
public static class AdmissionControl
{
    public const string BrowseClass = "browse";
    public const string CheckoutClass = "checkout";

    public static WebApplicationBuilder AddAdmissionControl(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdmissionOptions>()
            .BindConfiguration(AdmissionOptions.SectionName)
            .Validate(o => o.BrowseConcurrency > 0 && o.CheckoutConcurrency > 0, "Admission concurrency limits must be positive.")
            .ValidateOnStart();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<Microsoft.Extensions.Options.IOptions<AdmissionOptions>>((limiter, admission) =>
        {
            var limits = admission.Value;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var trafficClass = Classify(context.Request);
                return trafficClass switch
                {
                    null => RateLimitPartition.GetNoLimiter(string.Empty),
                    CheckoutClass => RateLimitPartition.GetConcurrencyLimiter(CheckoutClass, _ => Budget(limits.CheckoutConcurrency)),
                    _ => RateLimitPartition.GetConcurrencyLimiter(BrowseClass, _ => Budget(limits.BrowseConcurrency)),
                };
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var context = rejected.HttpContext;
                context.RequestServices.GetRequiredService<ApiMetrics>().AdmissionRejected(Classify(context.Request) ?? BrowseClass);
                Problems.SetRetryAfter(context.Response);
                await TypedResults.Problem(
                    "The store is busy; the request was not processed. Retry after the time in Retry-After.",
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many requests",
                    type: ProblemTypes.For("overloaded")).ExecuteAsync(context);
            };
        });
        return builder;
    }

    public static WebApplication UseAdmissionControl(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }

    /// <summary>The traffic class of a request; <c>null</c> for operations routes, which are never shed.</summary>
    public static string? Classify(HttpRequest request)
    {
        var path = request.Path;
        if (!path.StartsWithSegments("/api"))
        {
            return null;
        }

        var value = path.Value ?? "";
        var isMoneyPath = HttpMethods.IsPost(request.Method)
            && (value.EndsWith("/checkout", StringComparison.Ordinal)
                || value.EndsWith("/pay", StringComparison.Ordinal)
                || value.EndsWith("/cancel", StringComparison.Ordinal));
        return isMoneyPath ? CheckoutClass : BrowseClass;
    }

    private static ConcurrencyLimiterOptions Budget(int permits) =>
        new() { PermitLimit = permits, QueueLimit = 0, QueueProcessingOrder = QueueProcessingOrder.OldestFirst };
}
