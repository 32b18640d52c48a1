using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Doorbuster.Tests.Api;
using Doorbuster.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Doorbuster.Tests.EndToEnd;

/// <summary>
/// <c>Durability__ReplicasToAcknowledge=1</c>: stock, order and sale writes (the default set) are acknowledged
/// only once a replica holds them. With replicas (under Sentinels) the whole purchase and a flash sale's ticket
/// work; without one (a single server, a cluster without replicas, or once the replicas are killed) those writes
/// answer 503 with <c>changeApplied: "unknown"</c> — the primary has them, no replica does — while cart changes,
/// which do not wait, go on.
/// </summary>
[Trait(TestStore.Topology, TestStore.AnyTopology)]
public sealed class ReplicaAcknowledgementProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProcessCluster.StartStoreAsync(environment: new Dictionary<string, string>
    {
        ["Durability__ReplicasToAcknowledge"] = "1",
        ["Durability__ReplicaTimeout"] = "00:00:00.500",
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task StockOrderAndSaleWritesAreAcknowledgedOnlyOnceAReplicaHoldsThem()
    {
        // Arrange
        var (_, apis) = await _cluster.StartAsync(silos: 1, apis: 1);
        using var http = new HttpClient { BaseAddress = apis[0].HttpAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", ProcessCluster.AdminKey);
        (await http.PutAsJsonAsync("/api/products/DURABLE-1", new { name = "Durable", category = "durable", price = 3.00m })).EnsureSuccessStatusCode();
        (await http.PutAsJsonAsync("/api/products/DURABLE-2", new { name = "Durable too", category = "durable", price = 4.00m })).EnsureSuccessStatusCode();

        if (_cluster.Store.ReplicasPerPrimary > 0)
        {
            // With replicas: restock, checkout and pay are acknowledged (each after a replica has it).
            // A 503 here is the contract's answer when a replica is slower than the 0.5 s timeout (CI saw one for the
            // first restock, with every test of the phase starting its processes on 2 cores): retried with the same
            // key, as a client would; a replica that never acknowledges still fails the test.
            (await UntilAnsweredAsync(http, () => new HttpRequestMessage(HttpMethod.Post, "/api/inventory/DURABLE-1/restock")
            {
                Content = JsonContent.Create(new { quantity = 10 }),
                Headers = { { "Idempotency-Key", "durable-restock" } },
            })).EnsureSuccessStatusCode();
            var cart = await ApiFactory.CartWithAsync(http, "DURABLE-1", 2);
            var checkout = await UntilAnsweredAsync(http, () => Checkout(cart));
            Assert.Equal(HttpStatusCode.Created, checkout.StatusCode);
            var orderId = (await checkout.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("orderId").GetString();
            (await UntilAnsweredAsync(http, () => new HttpRequestMessage(HttpMethod.Put, "/api/sales/durable-sale") { Content = SaleDefinition("DURABLE-1") })).EnsureSuccessStatusCode();
            var ticket = await UntilAnsweredAsync(http, () => new HttpRequestMessage(HttpMethod.Post, "/api/sales/durable-sale/tickets"));
            Assert.Equal(HttpStatusCode.Created, ticket.StatusCode);
            (await UntilAnsweredAsync(http, () => new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{orderId}/pay"))).EnsureSuccessStatusCode();
            await _cluster.Store.LoseReplicasAsync();
            output.WriteLine($"{TestStore.Kind}: a purchase and a sale's ticket were acknowledged with replicas; then every replica was killed");
        }

        // Act: no replica to acknowledge.
        var restock = await http.PostAsJsonAsync("/api/inventory/DURABLE-1/restock", new { quantity = 5 });
        var sale = await http.PutAsync("/api/sales/sale-without-replica", SaleDefinition("DURABLE-2")); // a sku is in one sale at a time
        var cartWithoutReplica = await ApiFactory.CreateCartAsync(http);
        var added = await http.PostAsJsonAsync($"/api/carts/{cartWithoutReplica}/items", new { sku = "DURABLE-1", quantity = 1 });

        // Assert: the stock and sale writes are refused as unknown; the cart write, which does not wait, is acknowledged.
        foreach (var refused in (HttpResponseMessage[])[restock, sale])
        {
            var problem = await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Equal("unknown", problem.GetProperty("changeApplied").GetString());
            Assert.NotNull(refused.Headers.RetryAfter);
        }

        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
    }

    private static JsonContent SaleDefinition(string sku) =>
        JsonContent.Create(new { skus = (string[])[sku], startsAt = DateTimeOffset.UtcNow.AddMinutes(5), admitPerSecond = 10 });

    private static HttpRequestMessage Checkout(string cartId) =>
        new(HttpMethod.Post, $"/api/carts/{cartId}/checkout") { Headers = { { "Idempotency-Key", $"durable-{cartId}" } } };

    /// <summary>Sends the request again (the same key) after Retry-After while it is answered 503, up to five times.</summary>
    private static async Task<HttpResponseMessage> UntilAnsweredAsync(HttpClient http, Func<HttpRequestMessage> request)
    {
        var response = await http.SendAsync(request());
        for (var retry = 0; retry < 5 && response.StatusCode == HttpStatusCode.ServiceUnavailable; retry++)
        {
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
            response = await http.SendAsync(request());
        }

        return response;
    }
}
