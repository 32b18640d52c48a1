using Microsoft.AspNetCore.Diagnostics;
using Orleans.Runtime;
using StackExchange.Redis;

namespace Doorbuster.Api.FrontDoor;

/// <summary>
/// Turns exceptions into problem documents: bad requests keep their 4xx status, an unreachable cluster or
/// store is a 503 with Retry-After (nothing was acknowledged), and anything else is a 500, which is a bug.
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>Seconds a client should wait before retrying after a 503.</summary>
    public const int RetryAfterSeconds = 1;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message),
            _ when IsUnavailable(exception) => (
                StatusCodes.Status503ServiceUnavailable,
                "Service unavailable",
                "The cluster or its store cannot serve this request right now; nothing was changed. Retry shortly."),
            _ => (StatusCodes.Status500InternalServerError, "Internal server error", "An unexpected error occurred."),
        };

        if (status >= 500)
        {
            logger.LogError(exception, "Request {Method} {Path} failed with {Status}", context.Request.Method, context.Request.Path, status);
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    private static bool IsUnavailable(Exception exception) => exception switch
    {
        StoreUnavailableException or OrleansException or TimeoutException or RedisException or OperationCanceledException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsUnavailable),
        _ => exception.InnerException is not null && IsUnavailable(exception.InnerException),
    };
}
