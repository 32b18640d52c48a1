using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Doorbuster.Tests.Api;
using Doorbuster.Tests.Infrastructure;

namespace Doorbuster.Tests.EndToEnd;

/// <summary>
/// The real topology on loopback: a store, silo processes joined through Redis membership, and Api
/// processes that are pure Orleans clients.
/// </summary>
[Trait(TestStore.Topology, TestStore.AnyTopology)]
public sealed class ClusterProcessTests : IAsyncLifetime
{
    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProcessCluster.StartStoreAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task DataWrittenThroughTheApiIsStillServedAfterASiloIsKilled()
    {
        // Arrange: two silos and two Api processes, all finding each other through Redis.
        var (silos, apis) = await _cluster.StartAsync(silos: 2, apis: 2);
        using var http = AdminClient(apis[0]);
        using var otherHttp = new HttpClient { BaseAddress = apis[1].HttpAddress };

        // Act: products with stock and carts, spread over the silos.
        var carts = new Dictionary<string, string>();
        foreach (var sku in Enumerable.Range(1, 8).Select(i => $"PROC-{i}"))
        {
            (await http.PutAsJsonAsync($"/api/products/{sku}", new { name = sku, category = "proc", price = 5.00m })).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync($"/api/inventory/{sku}/restock", new { quantity = 30 })).EnsureSuccessStatusCode();
            carts[sku] = await ApiFactory.CartWithAsync(http, sku, 4);
        }

        // What one Api instance wrote, the other serves (and accepts its cart ids: they share the signing key).
        var cartSeenElsewhere = await GetJsonAsync(otherHttp, $"/api/carts/{carts["PROC-1"]}");
        Assert.Equal(4, Assert.Single(cartSeenElsewhere.GetProperty("items").EnumerateArray()).GetProperty("quantity").GetInt32());

        await silos[1].KillAsync();

        // Assert: every acknowledged change is served again once the cluster has noticed the dead silo.
        foreach (var (sku, cartId) in carts)
        {
            var stock = await Eventually.ReturnsAsync(
                () => GetJsonAsync(http, $"/api/inventory/{sku}"), _ => true, TimeSpan.FromSeconds(90), $"stock of {sku} after the kill");
            Assert.Equal(30, stock.GetProperty("available").GetInt64());
            var cart = await Eventually.ReturnsAsync(
                () => GetJsonAsync(http, $"/api/carts/{cartId}"), _ => true, TimeSpan.FromSeconds(90), $"cart {cartId} after the kill");
            Assert.Equal(4, Assert.Single(cart.GetProperty("items").EnumerateArray()).GetProperty("quantity").GetInt32());
        }

        var page = await GetJsonAsync(http, "/api/products?category=proc");
        Assert.Equal(carts.Count, page.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task APriceChangeThroughOneApiIsServedByTheOtherWithinOneSecond()
    {
        // Arrange: one silo, two Api instances, and the product in both near caches.
        var (_, apis) = await _cluster.StartAsync(silos: 1, apis: 2);
        using var admin = AdminClient(apis[0]);
        using var other = new HttpClient { BaseAddress = apis[1].HttpAddress };
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

    [Fact]
    public async Task ACartIdSignedWithAnotherKeyIsNotFoundAndThePreviousKeyIsAcceptedOnlyDuringTheOverlap()
    {
        // Arrange: a cart issued under the old key.
        var (_, apis) = await _cluster.StartAsync(silos: 1, apis: 1);
        using var old = new HttpClient { BaseAddress = apis[0].HttpAddress };
        var oldKey = _cluster.Environment["Carts__SigningKey"];
        var cartId = await ApiFactory.CreateCartAsync(old);

        // Act: three more Api instances: rotated within the overlap, rotated after it, and a stranger with another key.
        var newKey = ProcessCluster.NewSigningKey();
        var rotated = _cluster.StartApi("api-rotated", new Dictionary<string, string>
        {
            ["Carts__SigningKey"] = newKey,
            ["Carts__PreviousSigningKey"] = oldKey,
            ["Carts__PreviousKeyAcceptedUntil"] = DateTimeOffset.UtcNow.AddDays(7).ToString("O"),
        });
        var overlapOver = _cluster.StartApi("api-overlap-over", new Dictionary<string, string>
        {
            ["Carts__SigningKey"] = newKey,
            ["Carts__PreviousSigningKey"] = oldKey,
            ["Carts__PreviousKeyAcceptedUntil"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"),
        });
        var stranger = _cluster.StartApi("api-stranger", new Dictionary<string, string> { ["Carts__SigningKey"] = ProcessCluster.NewSigningKey() });
        await Task.WhenAll(new[] { rotated, overlapOver, stranger }.Select(api => api.WaitUntilReadyAsync(TimeSpan.FromSeconds(90))));

        // Assert
        using var rotatedHttp = new HttpClient { BaseAddress = rotated.HttpAddress };
        using var overHttp = new HttpClient { BaseAddress = overlapOver.HttpAddress };
        using var strangerHttp = new HttpClient { BaseAddress = stranger.HttpAddress };
        Assert.Equal(HttpStatusCode.OK, (await rotatedHttp.GetAsync($"/api/carts/{cartId}")).StatusCode);
        await (await overHttp.GetAsync($"/api/carts/{cartId}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await strangerHttp.GetAsync($"/api/carts/{cartId}")).AssertProblemAsync(HttpStatusCode.NotFound);
        var issuedByRotated = await ApiFactory.CreateCartAsync(rotatedHttp);
        await (await old.GetAsync($"/api/carts/{issuedByRotated}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    private static HttpClient AdminClient(DoorbusterProcess api)
    {
        var http = new HttpClient { BaseAddress = api.HttpAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", ProcessCluster.AdminKey);
        return http;
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string url)
    {
        var response = await http.GetAsync(url);
        return response.StatusCode == HttpStatusCode.OK
            ? await response.AssertOkJsonAsync()
            : throw new HttpRequestException($"{url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
