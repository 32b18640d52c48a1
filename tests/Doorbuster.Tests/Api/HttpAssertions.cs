using System.Net;
using System.Text.Json;

namespace Doorbuster.Tests.Api;

public static class HttpAssertions
{
    /// <summary>Asserts the status and that the body is a problem document; returns the document.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("title", out _), $"problem without title: {body}");
        Assert.True(problem.TryGetProperty("type", out _), $"problem without type: {body}");
        Assert.True(problem.TryGetProperty("detail", out _), $"problem without detail: {body}");
        return problem;
    }

    /// <summary>Asserts a 400 validation problem whose <c>errors</c> name <paramref name="field"/>.</summary>
    public static async Task AssertValidationErrorAsync(this HttpResponseMessage response, string field)
    {
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(
            problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _),
            $"expected a validation error for '{field}': {problem}");
    }

    public static async Task<JsonElement> AssertOkJsonAsync(this HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }
}
