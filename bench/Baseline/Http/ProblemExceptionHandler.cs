using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using StackExchange.Redis;

namespace Doorbuster.Baseline.Http;

/// <summary>
/// Turns exceptions into problem documents. A bad request keeps its 4xx status. Redis unreachable or too
/// slow is a 503 with Retry-After that says whether a write was certainly not applied (the command never
/// left the process) or may have been (it was sent; retry with the same idempotency key). Anything else is
/// a 500, which is a bug.
/// </summary>
/// <remarks>
/// Not the Api's handler: the Api classifies failures of the cluster between it and Redis (Orleans, the
/// cluster boundary's timeouts, a grain's <c>StoreUnavailableException</c>), the baseline the Redis client's
/// own exceptions, because it talks to Redis itself. What both share is the answer: the contract's problem
/// shape, <c>Retry-After</c>, and on a write <c>changeApplied</c>.
/// </remarks>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 1;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message),
            _ when Unavailable(exception) is { } sent => (
                StatusCodes.Status503ServiceUnavailable,
                "Service unavailable",
                UnavailableDetail(context.Request, sent)),
            _ => (StatusCodes.Status500InternalServerError, "Internal server error", "An unexpected error occurred."),
        };

        if (status >= 500)
        {
            logger.LogError(exception, "Request {Method} {Path} failed with {Status}", context.Request.Method, context.Request.Path, status);
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }

        context.Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail,
            Type = status == StatusCodes.Status503ServiceUnavailable ? Problems.TypeBase + "unavailable" : null,
        };
        if (status == StatusCodes.Status503ServiceUnavailable && !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
        {
            problem.Extensions["changeApplied"] = Unavailable(exception) == true ? "unknown" : "no";
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, Exception = exception, ProblemDetails = problem });
    }

    /// <summary>
    /// For an outage: <c>false</c> when the command certainly never reached Redis, <c>true</c> when it may
    /// have; <c>null</c> when the exception is not an outage.
    /// </summary>
    private static bool? Unavailable(Exception exception) => exception switch
    {
        RedisTimeoutException timeout => MayHaveReachedRedis(timeout.Commandstatus),
        RedisConnectionException connection => MayHaveReachedRedis(connection.CommandStatus),
        RedisServerException server when IsTransient(server.Message) => false,
        _ => exception.InnerException is null ? null : Unavailable(exception.InnerException),
    };

    private static bool MayHaveReachedRedis(CommandStatus status) =>
        status is not (CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog);

    /// <summary>Redis errors that mean "not now" rather than "wrong": loading, busy scripts, a replica, no memory.</summary>
    private static bool IsTransient(string message) =>
        message.StartsWith("LOADING", StringComparison.Ordinal)
        || message.StartsWith("BUSY", StringComparison.Ordinal)
        || message.StartsWith("READONLY", StringComparison.Ordinal)
        || message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
        || message.StartsWith("OOM", StringComparison.Ordinal);

    private static string UnavailableDetail(HttpRequest request, bool sent) =>
        HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
            ? "Redis cannot serve this request right now. Retry shortly."
            : sent
                ? "Redis did not answer in time: the change may or may not have been applied. Retry with the same Idempotency-Key."
                : "Redis cannot serve this request right now; the change was not applied. Retry shortly.";
}
