using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Doorbuster.Tests.Infrastructure;

namespace Doorbuster.Tests.EndToEnd;

/// <summary>Metrics and readiness of real processes: one silo and one Api against a real Redis.</summary>
public sealed class ObservabilityProcessTests : IAsyncLifetime
{
    private const string AdminKey = "observability-key";
    private RedisServer _redis = null!;
    private DoorbusterProcess _silo = null!;
    private DoorbusterProcess _api = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        var cluster = new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = _redis.ConnectionString,
            ["Orleans__ClusterId"] = $"obs-{Guid.NewGuid():N}"[..20],
            ["Admin__ApiKey"] = AdminKey,
        };
        _silo = DoorbusterProcess.Start("Silo", "silo", new Dictionary<string, string>(cluster)
        {
            ["Orleans__SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Orleans__AdvertisedIPAddress"] = "127.0.0.1",
            ["Dashboard__Enabled"] = "true",
        });
        await _silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        _api = DoorbusterProcess.Start("Api", "api", cluster);
        await _api.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _silo.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task MetricsOfBothProcessesPassPromtoolAndMoveWithTheTraffic()
    {
        using var http = new HttpClient { BaseAddress = _api.HttpAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        await http.PutAsJsonAsync("/api/products/OBS-1", new { name = "Observed", category = "obs", price = 1.00m });
        await http.PostAsJsonAsync("/api/inventory/OBS-1/restock", new { quantity = 10 });
        var before = await ScrapeAsync(_silo);

        await http.PostAsJsonAsync("/api/carts/obs-cart/items", new { sku = "OBS-1", quantity = 1 });
        var checkout = new HttpRequestMessage(HttpMethod.Post, "/api/carts/obs-cart/checkout") { Headers = { { "Idempotency-Key", "obs" } } };
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
            var problems = await PromtoolProblemsAsync(text);
            var ours = problems.Where(line => line.StartsWith("doorbuster_", StringComparison.Ordinal)).ToList();
            Assert.True(ours.Count == 0, $"promtool flags metrics of {process}: {string.Join("; ", ours)}");
        }
    }

    [Fact]
    public async Task ReadinessTurnsUnavailableWhileRedisIsDownAndRecoversAfter()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(_silo.HttpAddress, "/health/ready"))).StatusCode);

        await _redis.StopAsync();
        foreach (var process in new[] { _silo, _api })
        {
            await Eventually.ReturnsAsync(
                async () => (await http.GetAsync(new Uri(process.HttpAddress, "/health/ready"))).StatusCode,
                status => status == HttpStatusCode.ServiceUnavailable,
                TimeSpan.FromSeconds(30),
                $"{process.Name} to report not ready without Redis");
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(process.HttpAddress, "/health/live"))).StatusCode);
        }

        await _redis.StartAgainAsync();
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

    /// <summary>The lines of <c>promtool check metrics</c> output that name a problem (metric name first).</summary>
    private static async Task<IReadOnlyList<string>> PromtoolProblemsAsync(string exposition)
    {
        var start = new ProcessStartInfo("promtool", "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var promtool = Process.Start(start) ?? throw new InvalidOperationException("promtool (Debian package prometheus) is required.");
        await promtool.StandardInput.WriteAsync(exposition);
        promtool.StandardInput.Close();
        var output = await promtool.StandardOutput.ReadToEndAsync() + await promtool.StandardError.ReadToEndAsync();
        await promtool.WaitForExitAsync();
        Assert.False(output.Contains("error while linting", StringComparison.Ordinal), $"promtool could not parse the exposition: {output}");
        return output.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
    }
}
