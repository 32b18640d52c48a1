using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Polly;

namespace Doorbuster.Api.FrontDoor;

public static class ClusterBoundaryExtensions
{
    /// <summary>
    /// Every request is answered within <see cref="RequestBudget"/>: grain calls pass the
    /// <see cref="ClusterBoundary"/> (timeouts, circuit breaker, retries of idempotent calls), and ASP.NET
    /// Core's request timeout is the backstop that turns anything slower into a 503 with Retry-After.
    /// </summary>
    public static WebApplicationBuilder AddClusterBoundary(this WebApplicationBuilder builder)
    {
        builder.Services.AddResiliencePipeline(ClusterBoundary.PipelineName, ClusterBoundary.Configure);
        builder.Services.AddSingleton<ClusterBoundary>();
        builder.Services.AddRequestTimeouts(options => options.DefaultPolicy = new RequestTimeoutPolicy
        {
            Timeout = RequestBudget,
            TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
            WriteTimeoutResponse = WriteTimeoutAsync,
        });
        return builder;
    }

    /// <summary>The contract's bound on an answer while the cluster or Redis cannot serve.</summary>
    public static readonly TimeSpan RequestBudget = TimeSpan.FromSeconds(2);

    private static Task WriteTimeoutAsync(HttpContext context)
    {
        Problems.SetRetryAfter(context.Response);
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Service unavailable",
            Type = ProblemExceptionHandler.UnavailableType,
            Detail = "The request was not answered in time; a change it asked for may or may not have been applied. Retry with the same request after the time in Retry-After.",
        };
        if (!ProblemExceptionHandler.IsRead(context.Request))
        {
            problem.Extensions["changeApplied"] = "unknown";
        }

        return context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }).AsTask();
    }
}
