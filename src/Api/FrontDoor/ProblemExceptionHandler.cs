using Doorbuster.ServiceDefaults;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Doorbuster.Api.FrontDoor;

/// <summary>
/// Turns exceptions into problem documents: bad requests keep their 4xx status; an unreachable, slow or
/// failing cluster or store is a 503 with Retry-After that says whether a change was certainly not applied
/// or may have been (then the client retries with the same idempotency key); anything else is a 500, a bug.
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>The problem <c>type</c> of every 503.</summary>
    public static readonly string UnavailableType = ProblemTypes.For("unavailable");

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException bad => new ProblemDetails { Status = bad.StatusCode, Title = "Bad request", Detail = bad.Message },
            _ when ClusterFailures.Classify(exception) is { } applied => Unavailable(context.Request, applied),
            _ => new ProblemDetails { Status = StatusCodes.Status500InternalServerError, Title = "Internal server error", Detail = "An unexpected error occurred." },
        };

        if (problem.Status == StatusCodes.Status500InternalServerError)
        {
            logger.LogError(exception, "Request {Method} {Path} failed with a bug", context.Request.Method, context.Request.Path);
        }
        else if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            logger.LogWarning("Request {Method} {Path} answered 503: {Reason}", context.Request.Method, context.Request.Path, exception.Message);
            Problems.SetRetryAfter(context.Response);
        }

        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, Exception = exception, ProblemDetails = problem });
    }

    /// <summary>A request that changes nothing, whose 503 needs no <c>changeApplied</c>.</summary>
    public static bool IsRead(HttpRequest request) => HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);

    private static ProblemDetails Unavailable(HttpRequest request, ChangeOutcome applied)
    {
        var isRead = IsRead(request);
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Service unavailable",
            Type = UnavailableType,
            Detail = isRead
                ? "The cluster or its store cannot serve this request right now. Retry after the time in Retry-After."
                : applied == ChangeOutcome.NotApplied
                    ? "The cluster or its store cannot serve this request right now; the change was not applied. Retry after the time in Retry-After."
                    : "The cluster or its store did not confirm the change: it may or may not have been applied. Retry with the same request (and the same Idempotency-Key) after the time in Retry-After.",
        };
        if (!isRead)
        {
            problem.Extensions["changeApplied"] = applied == ChangeOutcome.NotApplied ? "no" : "unknown";
        }

        return problem;
    }
}
