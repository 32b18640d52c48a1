using System.Net.Http.Json;
using Doorbuster.Tests.Infrastructure;

namespace Doorbuster.Tests.EndToEnd;

/// <summary>Traces of real processes exported over OTLP to a collector the test hosts.</summary>
public sealed class TracingProcessTests : IAsyncLifetime
{
    private const string AdminKey = ProcessCluster.AdminKey;
    private readonly OtlpTraceReceiver _collector = new();
    private ProcessCluster _cluster = null!;
    private DoorbusterProcess _silo = null!;
    private DoorbusterProcess _api = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ProcessCluster.StartStoreAsync(environment: new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _collector.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        });
        _silo = _cluster.StartSilo("silo");
        await _silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        _api = _cluster.StartApi("api");
        await _api.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _collector.Dispose();
    }

    [Fact]
    public async Task ARequestItsGrainCallsAndItsRedisWritesFormOneTrace()
    {
        // Arrange
        using var http = new HttpClient { BaseAddress = _api.HttpAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        (await http.PutAsJsonAsync("/api/products/TRACE-1", new { name = "Traced", category = "trace", price = 1.00m })).EnsureSuccessStatusCode();
        var traceId = Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant();

        // Act: a restock carrying the caller's trace context.
        var restock = new HttpRequestMessage(HttpMethod.Post, "/api/inventory/TRACE-1/restock")
        {
            Content = JsonContent.Create(new { quantity = 3 }),
            Headers = { { "traceparent", $"00-{traceId}-{"00f067aa0ba902b7"}-01" } },
        };
        (await http.SendAsync(restock)).EnsureSuccessStatusCode();

        // Assert: the Api's request span, the silo's grain call and the silo's Redis write share the trace.
        var trace = await Eventually.ReturnsAsync(
            () => Task.FromResult(string.Join("; ", _collector.Spans.Where(s => s.TraceId == traceId).Select(s => $"{s.Service}|{s.Scope}|{s.Name}"))),
            received => received.Contains("Doorbuster.Api|Microsoft.AspNetCore|", StringComparison.Ordinal)
                && received.Contains("Doorbuster.Silo|Microsoft.Orleans", StringComparison.Ordinal)
                && received.Contains("Doorbuster.Silo|OpenTelemetry.Instrumentation.StackExchangeRedis|", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30),
            $"an HTTP span, an Orleans span and a Redis span in trace {traceId}");
        var spans = _collector.Spans.Where(s => s.TraceId == traceId).ToList();
        Assert.Contains(spans, s => s.Service == "Doorbuster.Silo" && s.Name.Contains("IInventoryGrain", StringComparison.Ordinal));
    }
}
