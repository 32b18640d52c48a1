using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Doorbuster.Tests.Api;
using Doorbuster.Tests.Infrastructure;

namespace Doorbuster.Tests.EndToEnd;

/// <summary>
/// The real topology on loopback: a Redis, two silo processes joined through Redis membership, and two
/// Api processes that are pure Orleans clients.
/// </summary>
public sealed class ClusterProcessTests : IAsyncLifetime
{
    private const string AdminKey = "process-test-key";
    private readonly List<DoorbusterProcess> _processes = [];
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task DataWrittenThroughTheApiIsStillServedAfterASiloIsKilled()
    {
        // Arrange: two silos and an Api, all finding each other through Redis.
        var cluster = new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = _redis.ConnectionString,
            ["Orleans__ClusterId"] = $"test-{Guid.NewGuid():N}"[..20],
            ["Orleans__ServiceId"] = "doorbuster-test",
            ["Admin__ApiKey"] = AdminKey,
        };
        var silos = new[] { StartSilo(cluster, "silo-1"), StartSilo(cluster, "silo-2") };
        await Task.WhenAll(silos.Select(silo => silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(90))));
        var api = Track(DoorbusterProcess.Start("Api", "api-1", cluster));
        var otherApi = Track(DoorbusterProcess.Start("Api", "api-2", cluster));
        await Task.WhenAll(api.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)), otherApi.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)));
        using var http = new HttpClient { BaseAddress = api.HttpAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        using var otherHttp = new HttpClient { BaseAddress = otherApi.HttpAddress };

        // Act: a product with stock, a restock and a cart, spread over the silos.
        var skus = Enumerable.Range(1, 8).Select(i => $"PROC-{i}").ToArray();
        foreach (var sku in skus)
        {
            (await http.PutAsJsonAsync($"/api/products/{sku}", new { name = sku, category = "proc", price = 5.00m })).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync($"/api/inventory/{sku}/restock", new { quantity = 30 })).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync($"/api/carts/cart-{sku}/items", new { sku, quantity = 4 })).EnsureSuccessStatusCode();
        }

        // What one Api instance wrote, the other serves.
        var cartSeenElsewhere = await GetJsonAsync(otherHttp, $"/api/carts/cart-{skus[0]}");
        Assert.Equal(4, Assert.Single(cartSeenElsewhere.GetProperty("items").EnumerateArray()).GetProperty("quantity").GetInt32());

        await silos[1].KillAsync();

        // Assert: every acknowledged change is served again once the cluster has noticed the dead silo.
        foreach (var sku in skus)
        {
            var stock = await Eventually.ReturnsAsync(
                () => GetJsonAsync(http, $"/api/inventory/{sku}"), _ => true, TimeSpan.FromSeconds(90), $"stock of {sku} after the kill");
            Assert.Equal(30, stock.GetProperty("available").GetInt64());
            var cart = await Eventually.ReturnsAsync(
                () => GetJsonAsync(http, $"/api/carts/cart-{sku}"), _ => true, TimeSpan.FromSeconds(90), $"cart of {sku} after the kill");
            Assert.Equal(4, Assert.Single(cart.GetProperty("items").EnumerateArray()).GetProperty("quantity").GetInt32());
        }

        var page = await GetJsonAsync(http, "/api/products?category=proc");
        Assert.Equal(skus.Length, page.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task APriceChangeThroughOneApiIsServedByTheOtherWithinOneSecond()
    {
        // Arrange: one silo, two Api instances, and the product in both near caches.
        var cluster = new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = _redis.ConnectionString,
            ["Orleans__ClusterId"] = $"test-{Guid.NewGuid():N}"[..20],
            ["Admin__ApiKey"] = AdminKey,
        };
        await StartSilo(cluster, "silo").WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        var writer = Track(DoorbusterProcess.Start("Api", "api-1", cluster));
        var reader = Track(DoorbusterProcess.Start("Api", "api-2", cluster));
        await Task.WhenAll(writer.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)), reader.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)));
        using var admin = new HttpClient { BaseAddress = writer.HttpAddress };
        admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        using var other = new HttpClient { BaseAddress = reader.HttpAddress };
        (await admin.PutAsJsonAsync("/api/products/PRICE-1", new { name = "Before", category = "price", price = 10.00m })).EnsureSuccessStatusCode();
        Assert.Equal(10.00m, (await GetJsonAsync(other, "/api/products/PRICE-1")).GetProperty("price").GetDecimal());

        // Act
        (await admin.PutAsJsonAsync("/api/products/PRICE-1", new { name = "After", category = "price", price = 7.00m })).EnsureSuccessStatusCode();

        // Assert: within the contract's second, well inside the near cache's 5 s expiry.
        var product = await Eventually.ReturnsAsync(
            () => GetJsonAsync(other, "/api/products/PRICE-1"),
            p => p.GetProperty("price").GetDecimal() == 7.00m,
            TimeSpan.FromSeconds(1),
            "the other Api instance to serve the new price");
        Assert.Equal("After", product.GetProperty("name").GetString());
    }

    private DoorbusterProcess StartSilo(Dictionary<string, string> cluster, string name) =>
        Track(DoorbusterProcess.Start("Silo", name, new Dictionary<string, string>(cluster)
        {
            ["Orleans__SiloPort"] = FreePorts.Next().ToString(),
            ["Orleans__GatewayPort"] = FreePorts.Next().ToString(),
            ["Orleans__AdvertisedIPAddress"] = "127.0.0.1",
            ["Orleans__SiloName"] = name,

            // Declare a killed silo dead within seconds rather than the production default.
            ["Orleans__Membership__ProbeTimeout"] = "00:00:01",
            ["Orleans__Membership__NumMissedProbesLimit"] = "2",
            ["Orleans__Membership__IAmAliveTablePublishTimeout"] = "00:00:05",
        }));

    private DoorbusterProcess Track(DoorbusterProcess process)
    {
        _processes.Add(process);
        return process;
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string url)
    {
        var response = await http.GetAsync(url);
        return response.StatusCode == HttpStatusCode.OK
            ? await response.AssertOkJsonAsync()
            : throw new HttpRequestException($"{url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
