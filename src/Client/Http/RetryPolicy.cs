using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;

namespace Doorbuster.Client.Http;

/// <summary>
/// When a request is tried again, and after how long. A 429 was not processed: always again. A 503, a lost
/// connection or a timed-out attempt may have applied a write: again only when the request is safe to repeat
/// (a read, or a write the contract makes idempotent, such as a checkout under its Idempotency-Key, which the
/// retry keeps) or the Api said the change was certainly not applied (<c>changeApplied: "no"</c>). The wait is
/// what <c>Retry-After</c> says, with a little jitter, never longer than the configured bound; without the
/// header, an exponential backoff with jitter.
/// </summary>
internal static class RetryPolicy
{
    /// <summary>Marks a request that may be sent again whatever became of the first attempt.</summary>
    public static readonly HttpRequestOptionsKey<bool> Repeatable = new("Doorbuster.Repeatable");

    public static HttpRetryStrategyOptions For(DoorbusterClientOptions options) => new()
    {
        MaxRetryAttempts = options.MaxRetries,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        Delay = TimeSpan.FromMilliseconds(200),
        MaxDelay = options.MaxRetryDelay,
        ShouldRetryAfterHeader = false,
        ShouldHandle = args => ShouldRetryAsync(args.Outcome, args.Context),
        DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, options.MaxRetryDelay)),
    };

    private static async ValueTask<bool> ShouldRetryAsync(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        var request = outcome.Result?.RequestMessage ?? context.GetRequestMessage();
        var repeatable = request is not null && request.Options.TryGetValue(Repeatable, out var value) && value;
        if (outcome.Exception is not null)
        {
            return repeatable && outcome.Exception is HttpRequestException or TimeoutRejectedException;
        }

        return outcome.Result!.StatusCode switch
        {
            // Shed: never processed, so always again - unless it is the sale's ticket limit, which lasts the sale.
            HttpStatusCode.TooManyRequests => !await HasProblemTypeAsync(outcome.Result, "too-many-tickets", context.CancellationToken),
            HttpStatusCode.ServiceUnavailable => repeatable || await CertainlyNotAppliedAsync(outcome.Result, context.CancellationToken),
            _ => false,
        };
    }

    private static async Task<bool> CertainlyNotAppliedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("changeApplied", out var applied) && applied.GetString() == "no";
        }
        catch (Exception exception) when (exception is JsonException or HttpRequestException or InvalidOperationException)
        {
            return false;
        }
    }

    private static async Task<bool> HasProblemTypeAsync(HttpResponseMessage response, string slug, CancellationToken cancellationToken)
    {
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("type", out var type)
                && type.GetString()?.EndsWith("/" + slug, StringComparison.Ordinal) == true;
        }
        catch (Exception exception) when (exception is JsonException or HttpRequestException or InvalidOperationException)
        {
            return false;
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan bound)
    {
        var header = response?.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } at ? at - DateTimeOffset.UtcNow : null);
        if (wait is not { } delay)
        {
            return null;
        }

        var jittered = delay + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 250));
        return jittered < TimeSpan.Zero ? TimeSpan.Zero : jittered > bound ? bound : jittered;
    }
}
