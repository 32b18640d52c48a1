using System.Net;
using System.Net.Http.Json;
using Doorbuster.Tests.Api;
using Doorbuster.Tests.Infrastructure;

namespace Doorbuster.Tests.EndToEnd;

/// <summary>
/// Admission control of real processes, configured by environment variables as an operator would: a store, a
/// silo, and Api processes that are pure Orleans clients, one per admission setting under test.
/// </summary>
[Collection(MachineSaturatingCollection.Name)]
public sealed class AdmissionProcessTests(AdmissionProcessTests.Cluster cluster) : IClassFixture<AdmissionProcessTests.Cluster>
{
    [Fact]
    public async Task ABrowsingFloodIsShedWhileCheckoutAndPaymentAreServed()
    {
        // Arrange: a cart ready to check out, then the share of browsing and carts (2 of 4 permits) held.
        using var http = AdminClient(cluster.Priority);
        var sku = await CreateProductAsync(http, stock: 5);
        var cartToBuy = await ApiFactory.CartWithAsync(http, sku, 1);
        var held = new List<HeldRequest>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var cartId = await ApiFactory.CreateCartAsync(http);

                // An earlier answer returns its permit a moment after it was written: try again until admitted.
                held.Add(await Eventually.ReturnsAsync(
                    () => HeldRequest.AdmitAsync(cluster.Priority.HttpAddress, "POST", $"/api/carts/{cartId}/items", $$"""{ "sku": "{{sku}}", "quantity": 1 }"""),
                    _ => true,
                    TimeSpan.FromSeconds(10),
                    $"cart request {i + 1} to be admitted and held"));
            }

            // Act
            var browse = await http.GetAsync($"/api/products/{sku}");
            var listing = await http.GetAsync("/api/products?category=admission");
            var checkout = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/carts/{cartToBuy}/checkout") { Headers = { { "Idempotency-Key", "flood" } } });
            var orderId = (await checkout.AssertOkJsonAsync(HttpStatusCode.Created)).GetProperty("orderId").GetString()!;
            var pay = await http.PostAsync($"/api/orders/{orderId}/pay", null);

            // Assert
            await browse.AssertShedAsync();
            await listing.AssertShedAsync();
            Assert.Equal("Paid", (await pay.AssertOkJsonAsync()).GetProperty("status").GetString());
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
            foreach (var request in held)
            {
                Assert.Equal(HttpStatusCode.OK, await request.CompleteAsync());
            }

            await Eventually.ReturnsAsync(
                async () => (await http.GetAsync($"/api/products/{sku}")).StatusCode,
                status => status == HttpStatusCode.OK,
                TimeSpan.FromSeconds(10),
                "browsing to be served again once the held cart requests were answered");
            var metrics = await Eventually.ReturnsAsync(
                () => ScrapeAsync(cluster.Priority),
                text => Rejections(text, "browse", "priority") >= 2,
                TimeSpan.FromSeconds(10),
                "the two shed reads in the Api's metrics");
            Assert.Equal(2, Rejections(metrics, "browse", "priority"));
            Assert.Empty(PrometheusLint.Problems(metrics, "doorbuster_admission"));
        }
        finally
        {
            foreach (var request in held)
            {
                await request.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task EachShopperHasABucketOfItsOwnAndOnlyTheTrustedProxyNamesShoppers()
    {
        // Arrange: buckets of three requests refilled by one a second on both Api processes; the first trusts
        // loopback as its proxy (the default), the second trusts another address only.
        using var admin = AdminClient(cluster.Buckets);
        var sku = await CreateProductAsync(admin, stock: 1);
        var path = $"/api/products/{sku}";
        using var trusting = new HttpClient { BaseAddress = cluster.Buckets.HttpAddress };
        using var distrusting = new HttpClient { BaseAddress = cluster.Untrusted.HttpAddress };

        // Act
        var (served, refusal) = await AdmissionAssertions.ReadUntilRefusedAsync(trusting, path, _ => "198.18.1.1");
        var otherShopper = await AdmissionAssertions.ReadAsync(trusting, path, "198.18.1.2");
        var (servedUntrusted, refusalUntrusted) = await AdmissionAssertions.ReadUntilRefusedAsync(distrusting, path, attempt => $"198.18.2.{attempt + 1}");

        // Assert: the named shopper ran dry and the other was served; made-up names did not make new buckets.
        Assert.True(served >= 3, $"refused after {served} reads, within the burst of 3");
        await refusal.AssertShedAsync();
        Assert.Equal(HttpStatusCode.OK, otherShopper.StatusCode);
        Assert.True(servedUntrusted >= 3, $"refused after {servedUntrusted} reads, within the burst of 3");
        await refusalUntrusted.AssertShedAsync();
        var metrics = await Eventually.ReturnsAsync(
            () => ScrapeAsync(cluster.Buckets),
            text => Rejections(text, "browse", "client") >= 1,
            TimeSpan.FromSeconds(10),
            "the refused read in the Api's metrics");
        Assert.Equal(1, Rejections(metrics, "browse", "client"));
        Assert.Equal(0, Rejections(metrics, "browse", "priority"));
    }

    private static HttpClient AdminClient(DoorbusterProcess api)
    {
        var http = new HttpClient { BaseAddress = api.HttpAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", ProcessCluster.AdminKey);
        return http;
    }

    private static async Task<string> CreateProductAsync(HttpClient admin, int stock)
    {
        var sku = $"ADM-{Guid.NewGuid():N}"[..20];
        (await admin.PutAsJsonAsync($"/api/products/{sku}", new { name = sku, category = "admission", price = 2.00m })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync($"/api/inventory/{sku}/restock", new { quantity = stock })).EnsureSuccessStatusCode();
        return sku;
    }

    private static async Task<string> ScrapeAsync(DoorbusterProcess process)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(process.HttpAddress, "/metrics"));
    }

    /// <summary>The value of <c>doorbuster_admission_rejected_total</c> for one class and reason (0 when absent).</summary>
    private static double Rejections(string exposition, string trafficClass, string reason) =>
        exposition.Split('\n')
            .Where(line => line.StartsWith("doorbuster_admission_rejected_total{", StringComparison.Ordinal)
                && line.Contains($"class=\"{trafficClass}\"", StringComparison.Ordinal)
                && line.Contains($"reason=\"{reason}\"", StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.IndexOf('}') + 2)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A store, one silo, and three Api processes with the admission settings the tests need.</summary>
    public sealed class Cluster : IAsyncLifetime
    {
        private ProcessCluster _cluster = null!;

        /// <summary>A pool of four permits (browse 1, browse and carts 2, all but payments 3), no client buckets.</summary>
        public DoorbusterProcess Priority { get; private set; } = null!;

        /// <summary>Client buckets of three requests and one a second; loopback is the trusted proxy.</summary>
        public DoorbusterProcess Buckets { get; private set; } = null!;

        /// <summary>The same buckets, but only 192.0.2.10 is a trusted proxy.</summary>
        public DoorbusterProcess Untrusted { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _cluster = await ProcessCluster.StartStoreAsync();
            var silo = _cluster.StartSilo("silo");
            await silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            var buckets = new Dictionary<string, string>
            {
                ["Admission__PerClientBurst"] = "3",
                ["Admission__PerClientRequestsPerSecond"] = "1",
            };
            Priority = _cluster.StartApi("api-priority", new Dictionary<string, string>
            {
                ["Admission__MaxConcurrentRequests"] = "4",
                ["Admission__BrowseCeilingPercent"] = "25",
                ["Admission__CartCeilingPercent"] = "50",
                ["Admission__CheckoutCeilingPercent"] = "75",
                ["Admission__PerClientRequestsPerSecond"] = "0",
            });
            Buckets = _cluster.StartApi("api-buckets", buckets);
            Untrusted = _cluster.StartApi("api-untrusted", new Dictionary<string, string>(buckets) { ["Admission__TrustedProxies"] = "192.0.2.10" });
            await Task.WhenAll(new[] { Priority, Buckets, Untrusted }.Select(api => api.WaitUntilReadyAsync(TimeSpan.FromSeconds(90))));
        }

        public async Task DisposeAsync() => await _cluster.DisposeAsync();
    }
}
