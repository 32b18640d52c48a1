using System.Net;

namespace Doorbuster.Tests.Api;

/// <summary>What a shed request looks like, and a client reading until its bucket runs dry.</summary>
public static class AdmissionAssertions
{
    /// <summary>Asserts the contract's answer to a shed request: a 429 "overloaded" problem with Retry-After.</summary>
    public static async Task AssertShedAsync(this HttpResponseMessage response)
    {
        var problem = await response.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.EndsWith("overloaded", problem.GetProperty("type").GetString());
        Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, $"a 429 must carry Retry-After in seconds: {response.Headers}");
    }

    /// <summary>
    /// Reads a product as the client that <paramref name="forwardedFor"/> names for each attempt, until refused;
    /// every answer before must be a 200. Returns how many were served, and the refusal.
    /// </summary>
    /// <remarks>
    /// With a bucket refilled by one a second and reads of milliseconds, the bucket runs dry within a few reads
    /// more than its burst; were each read given a bucket of its own, none would ever be refused.
    /// </remarks>
    public static async Task<(int Served, HttpResponseMessage Refusal)> ReadUntilRefusedAsync(
        HttpClient client, string path, Func<int, string> forwardedFor)
    {
        for (var attempt = 0; attempt < 30; attempt++)
        {
            var response = await ReadAsync(client, path, forwardedFor(attempt));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return (attempt, response);
            }

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"read {attempt} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        throw new Xunit.Sdk.XunitException("30 reads in a row were served: the client's bucket never ran dry");
    }

    public static Task<HttpResponseMessage> ReadAsync(HttpClient client, string path, string forwardedFor) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "X-Forwarded-For", forwardedFor } } });
}
