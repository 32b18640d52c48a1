using System.Globalization;
using Doorbuster.Tests.Api;
using System.Net;
using System.Net.Http.Json;
using Doorbuster.Tests.Infrastructure;

namespace Doorbuster.Tests.EndToEnd;

/// <summary>Metrics and readiness of real processes: one silo and one Api against a real Redis.</summary>
public sealed class ObservabilityProcessTests : IAsyncLifetime
{
    private const string AdminKey = ProcessCluster.AdminKey;
    private ProcessCluster _cluster = null!;
    private DoorbusterProcess _silo = null!;
    private DoorbusterProcess _api = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ProcessCluster.StartStoreAsync();
        _silo = _cluster.StartSilo("silo", new Dictionary<string, string> { ["Dashboard__Enabled"] = "true" });
        await _silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        _api = _cluster.StartApi("api");
        await _api.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task MetricsOfBothProcessesPassThePrometheusLintAndMoveWithTheTraffic()
    {
        using var http = new HttpClient { BaseAddress = _api.HttpAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        await http.PutAsJsonAsync("/api/products/OBS-1", new { name = "Observed", category = "obs", price = 1.00m });
        await http.PostAsJsonAsync("/api/inventory/OBS-1/restock", new { quantity = 10 });
        var before = await ScrapeAsync(_silo);

        var cartId = await ApiFactory.CartWithAsync(http, "OBS-1", 1);
        var checkout = new HttpRequestMessage(HttpMethod.Post, $"/api/carts/{cartId}/checkout") { Headers = { { "Idempotency-Key", "obs" } } };
        Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(checkout)).StatusCode);

        // The exporter caches a scrape briefly, so the new count is awaited rather than read once.
        const string reserved = """doorbuster_inventory_reservations_total{otel_scope_name="Doorbuster",outcome="reserved"}""";
        var siloMetrics = await Eventually.ReturnsAsync(
            () => ScrapeAsync(_silo), text => Sample(text, reserved) >= Sample(before, reserved) + 1, TimeSpan.FromSeconds(10), "one more counted reservation");
        Assert.Equal(Sample(before, reserved) + 1, Sample(siloMetrics, reserved));
        var apiMetrics = await ScrapeAsync(_api);
        Assert.True(Sample(apiMetrics, """doorbuster_checkouts_total{otel_scope_name="Doorbuster",outcome="created"}""") >= 1);
        Assert.Contains("doorbuster_cache_lookups_total", apiMetrics);
        Assert.Contains("doorbuster_inventory_write_batch_size_bucket", siloMetrics);
        Assert.Contains("http_server_request_duration_seconds_bucket", apiMetrics);
        Assert.Contains("orleans_", siloMetrics);

        foreach (var (process, text) in new[] { (_silo.Name, siloMetrics), (_api.Name, apiMetrics) })
        {
            var problems = PrometheusLint.Problems(text, "doorbuster_");
            Assert.True(problems.Count == 0, $"the Prometheus lint flags metrics of {process}: {string.Join("; ", problems)}");
            var promtool = await PrometheusLint.PromtoolProblemsAsync(text, "doorbuster_");
            Assert.True(promtool is null or { Count: 0 }, $"promtool flags metrics of {process}: {string.Join("; ", promtool ?? [])}");
        }
    }

    [Fact]
    public async Task ReadinessTurnsUnavailableWhileRedisIsDownAndRecoversAfter()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(_silo.HttpAddress, "/health/ready"))).StatusCode);

        await _cluster.Store.StopAsync();
        foreach (var process in new[] { _silo, _api })
        {
            await Eventually.ReturnsAsync(
                async () => (await http.GetAsync(new Uri(process.HttpAddress, "/health/ready"))).StatusCode,
                status => status == HttpStatusCode.ServiceUnavailable,
                TimeSpan.FromSeconds(30),
                $"{process.Name} to report not ready without Redis");
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(process.HttpAddress, "/health/live"))).StatusCode);
        }

        await _cluster.Store.StartAgainAsync();
        foreach (var process in new[] { _silo, _api })
        {
            await Eventually.ReturnsAsync(
                async () => (await http.GetAsync(new Uri(process.HttpAddress, "/health/ready"))).StatusCode,
                status => status == HttpStatusCode.OK,
                TimeSpan.FromSeconds(60),
                $"{process.Name} to be ready again once Redis is back");
        }
    }

    [Fact]
    public async Task TheOrleansDashboardOnTheSiloRequiresTheAdminKey()
    {
        using var anonymous = new HttpClient { BaseAddress = _silo.HttpAddress };
        using var admin = new HttpClient { BaseAddress = _silo.HttpAddress };
        admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/dashboard")).StatusCode);
        anonymous.DefaultRequestHeaders.Add("X-Api-Key", "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/dashboard")).StatusCode);
        var served = await admin.GetAsync("/dashboard");
        Assert.True(served.IsSuccessStatusCode, $"the dashboard answered {(int)served.StatusCode} with the admin key");
    }

    private static async Task<string> ScrapeAsync(DoorbusterProcess process)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(process.HttpAddress, "/metrics"));
    }

    private static double Sample(string exposition, string series)
    {
        var line = exposition.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..].Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
