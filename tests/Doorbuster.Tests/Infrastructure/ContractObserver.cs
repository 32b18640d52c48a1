using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;

namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// Sends a process test's shopper requests and judges every answer against the contract while faults happen:
/// 200/201, or 429/503 with <c>Retry-After</c>, or whatever <paramref name="alsoAllowed"/> accepts. It counts the
/// answers by kind and status, and keeps every answer outside the contract as a violation.
/// </summary>
internal sealed class ContractObserver(Func<string, HttpResponseMessage, Task<bool>>? alsoAllowed = null)
{
    private readonly ConcurrentDictionary<string, int> _answers = new();
    private readonly ConcurrentQueue<string> _violations = new();

    public bool HasViolations => !_violations.IsEmpty;

    /// <summary>Answers counted as "kind status xN", for the test's output.</summary>
    public string AnswerSummary => string.Join(", ", _answers.OrderBy(a => a.Key).Select(a => $"{a.Key} x{a.Value}"));

    /// <summary>The violations, counted and the first ten spelled out.</summary>
    public string ViolationSummary => $"{_violations.Count} answers broke the contract: {string.Join("; ", _violations.Take(10))}";

    public void Violation(string violation) => _violations.Enqueue(violation);

    /// <summary>Sends one request and judges its answer; <c>null</c> when none came (a violation too).</summary>
    public async Task<HttpResponseMessage?> SendAsync(HttpClient http, HttpMethod method, string path, string kind, object? body = null, string? key = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request);
        }
        catch (Exception exception)
        {
            Violation($"{method} {path}: no answer ({exception.GetType().Name}: {exception.Message})");
            return null;
        }

        var status = (int)response.StatusCode;
        _answers.AddOrUpdate($"{kind} {status}", 1, (_, count) => count + 1);
        var allowed = status switch
        {
            200 or 201 => true,
            429 or 503 => response.Headers.RetryAfter is not null,
            _ => alsoAllowed is not null && await alsoAllowed(kind, response),
        };
        if (!allowed)
        {
            Violation($"{method} {path}: {status} {await response.Content.ReadAsStringAsync()}");
        }

        return response;
    }

    /// <summary>
    /// Repeats a request (it is idempotent) while it is shed or unavailable, waiting as <c>Retry-After</c> says,
    /// until a definite answer or <paramref name="patience"/> runs out (a violation).
    /// </summary>
    public async Task<HttpResponseMessage?> UntilDefiniteAsync(
        HttpClient http, HttpMethod method, string path, string kind, object? body, string? key, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var response = await SendAsync(http, method, path, kind, body, key);
            if (response is not null && response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests))
            {
                return response;
            }

            if (DateTime.UtcNow > deadline)
            {
                Violation($"{method} {path} got no definite answer in {patience.TotalSeconds:F0} s");
                return null;
            }

            await Task.Delay(response?.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>
    /// A shopper of their own: the Api trusts loopback as a proxy, so the X-Forwarded-For address (one of
    /// <paramref name="network"/>, a /24 such as 203.0.113) makes each one a client with its own admission bucket,
    /// as shoppers behind an ingress are.
    /// </summary>
    public static HttpClient Shopper(DoorbusterProcess api, string network, int number)
    {
        var http = new HttpClient { BaseAddress = api.HttpAddress, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Add("X-Forwarded-For", $"{network}.{number + 1}");
        return http;
    }
}
