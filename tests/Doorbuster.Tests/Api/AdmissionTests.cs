using System.Net;
using System.Net.Http.Json;
using Doorbuster.Api.FrontDoor;
using Doorbuster.Carts;
using Doorbuster.Catalog;
using Doorbuster.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Doorbuster.Tests.Api;

/// <summary>
/// Admission control on a real Kestrel server of the Api (embedded mode, in this process, so that its grains
/// can be inspected): which class is shed first, each client's bucket, and the trusted proxies.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class AdmissionTests(ApiFactory api)
{
    private const string Rejected = "doorbuster.admission.rejected";

    /// <summary>
    /// A pool of four permits: browsing may hold 1, browsing and carts 2, everything but payments 3, payments
    /// all 4; one checkout may wait, and a few payments. No client buckets, so only priority decides.
    /// </summary>
    private static readonly Dictionary<string, string> SmallPool = new()
    {
        ["Admission:MaxConcurrentRequests"] = "4",
        ["Admission:BrowseCeilingPercent"] = "25",
        ["Admission:CartCeilingPercent"] = "50",
        ["Admission:CheckoutCeilingPercent"] = "75",
        ["Admission:CheckoutQueueLimit"] = "1",
        ["Admission:PayQueueLimit"] = "4",
        ["Admission:PerClientRequestsPerSecond"] = "0",
    };

    [Fact]
    public async Task WhileCartsHoldTheirShareBrowsingAndCartsAreShedAndCheckoutAndPaymentGetTheirAnswers()
    {
        // Arrange: a cart ready to check out, and the share of browsing and carts held by two cart requests.
        await using var server = await KestrelServer.StartAsync(api, SmallPool);
        using var rejected = new MeterRecorder(server.Services, Rejected);
        var sku = await CreateProductAsync(server.Client, stock: 5);
        var cartToBuy = await ApiFactory.CartWithAsync(server.Client, sku, 2);
        var untouchedCart = await ApiFactory.CreateCartAsync(server.Client);
        var unknownSku = $"NEW-{Guid.NewGuid():N}"[..20];
        var held = await HoldCartRequestsAsync(server, sku, count: 2);

        // Act
        var browse = await server.Client.GetAsync($"/api/products/{unknownSku}");
        var cart = await server.Client.PostAsJsonAsync($"/api/carts/{untouchedCart}/items", new { sku, quantity = 1 });
        var newCart = await server.Client.PostAsync("/api/carts", null);
        var checkout = await CheckoutAsync(server.Client, cartToBuy);
        var orderId = (await checkout.AssertOkJsonAsync(HttpStatusCode.Created)).GetProperty("orderId").GetString()!;
        var pay = await server.Client.PostAsync($"/api/orders/{orderId}/pay", null);

        // Assert: the lower classes are refused with the contract's 429, before any grain saw them.
        foreach (var shed in new[] { browse, cart, newCart })
        {
            await shed.AssertShedAsync();
        }

        Assert.Equal("Paid", (await pay.AssertOkJsonAsync()).GetProperty("status").GetString());
        Assert.Equal(1, rejected.Count(("class", "browse"), ("reason", "priority")));
        Assert.Equal(2, rejected.Count(("class", "cart"), ("reason", "priority")));
        Assert.Null(await ActivationOfAsync<IProductGrain>(server, unknownSku));
        Assert.Null(await ActivationOfAsync<ICartGrain>(server, untouchedCart));
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/metrics")).StatusCode);

        // Once the held requests are answered, browsing is served again (a permit returns a moment after its
        // response is written), and the same read now reaches the product grain: the probe above could see it.
        foreach (var request in held)
        {
            Assert.Equal(HttpStatusCode.OK, await request.CompleteAsync());
        }

        await Eventually.ReturnsAsync(
            async () => (await server.Client.GetAsync($"/api/products/{unknownSku}")).StatusCode,
            status => status == HttpStatusCode.NotFound,
            TimeSpan.FromSeconds(10),
            "browsing to be admitted again (404 for the unknown sku) once the held cart requests were answered");
        Assert.NotNull(await ActivationOfAsync<IProductGrain>(server, unknownSku));
    }

    [Fact]
    public async Task WhenCheckoutsShareIsTakenBrowsingAndCartsNeverWaitOnlyPaymentsGetThroughAndACheckoutWaitsItsTurn()
    {
        // Arrange: an order to pay, two carts to check out, then every share but the payments' held by one cart
        // request and two admin writes (which rank with checkout), so browsing and carts still have room of
        // their own but not above it.
        await using var server = await KestrelServer.StartAsync(api, SmallPool);
        using var rejected = new MeterRecorder(server.Services, Rejected);
        var sku = await CreateProductAsync(server.Client, stock: 5);
        var order = await CheckoutAsync(server.Client, await ApiFactory.CartWithAsync(server.Client, sku, 1));
        var orderId = (await order.AssertOkJsonAsync(HttpStatusCode.Created)).GetProperty("orderId").GetString()!;
        var waitingCart = await ApiFactory.CartWithAsync(server.Client, sku, 1);
        var refusedCart = await ApiFactory.CartWithAsync(server.Client, sku, 1);
        var held = await HoldCartRequestsAsync(server, sku, count: 1);
        for (var i = 0; i < 2; i++)
        {
            held.Add(await server.HoldAsync(
                "PUT",
                $"/api/products/HELD-{Guid.NewGuid():N}"[..30],
                """{ "name": "Held", "description": "", "category": "held", "price": 1.00 }""",
                new Dictionary<string, string> { ["X-Api-Key"] = ApiFactory.AdminKey }));
        }

        // Act: browsing and a cart request are answered at once (were they let wait, this would hang); one
        // checkout waits for checkout's share, and with that queue full the next checkout is refused.
        var browse = await server.Client.GetAsync($"/api/products/{sku}");
        var cart = await server.Client.GetAsync($"/api/carts/{refusedCart}");
        var waiting = CheckoutAsync(server.Client, waitingCart);
        await Eventually.ReturnsAsync(
            () => Task.FromResult(server.Limiter.GetStatistics(RequestTo(server, "POST", $"/api/carts/{waitingCart}/checkout"))?.CurrentQueuedCount),
            queued => queued == 1,
            TimeSpan.FromSeconds(10),
            "the checkout to wait in checkout's queue");
        var refused = await CheckoutAsync(server.Client, refusedCart);
        var pay = await server.Client.PostAsync($"/api/orders/{orderId}/pay", null);
        var cancelUnknown = await server.Client.PostAsync($"/api/orders/unknown-{Guid.NewGuid():N}/cancel", null);

        // Assert
        await browse.AssertShedAsync();
        await cart.AssertShedAsync();
        await refused.AssertShedAsync();
        Assert.Equal("Paid", (await pay.AssertOkJsonAsync()).GetProperty("status").GetString());
        await cancelUnknown.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.False(waiting.IsCompleted, "the checkout was answered while checkout's share was still held");
        Assert.Equal(1, rejected.Count(("class", "browse"), ("reason", "priority")));
        Assert.Equal(1, rejected.Count(("class", "cart"), ("reason", "priority")));
        Assert.Equal(1, rejected.Count(("class", "checkout"), ("reason", "priority")));

        // An admin write's permit goes to the waiting checkout, not to whoever comes next.
        Assert.Equal(HttpStatusCode.OK, await held[1].CompleteAsync());
        await (await waiting).AssertOkJsonAsync(HttpStatusCode.Created);
        foreach (var request in held.Where((_, index) => index != 1))
        {
            Assert.Equal(HttpStatusCode.OK, await request.CompleteAsync());
        }
    }

    [Fact]
    public async Task AClientBeyondItsBucketIsRefusedWhileAnotherClientThroughTheTrustedProxyIsServed()
    {
        // Arrange: a bucket of three requests refilled by one a second; loopback is the trusted proxy (the default).
        await using var server = await KestrelServer.StartAsync(api, new()
        {
            ["Admission:PerClientBurst"] = "3",
            ["Admission:PerClientRequestsPerSecond"] = "1",
        });
        using var rejected = new MeterRecorder(server.Services, Rejected);

        // Act: one shopper, as the proxy names it, reads until refused; then another shopper reads.
        var (served, refusal) = await AdmissionAssertions.ReadUntilRefusedAsync(server.Client, "/api/products/ELEC-0001", _ => "198.18.0.1");
        var other = await AdmissionAssertions.ReadAsync(server.Client, "/api/products/ELEC-0001", "198.18.0.2");

        // Assert
        Assert.True(served >= 3, $"the first shopper was refused after {served} reads, within its burst of 3");
        await refusal.AssertShedAsync();
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(1, rejected.Count(("class", "browse"), ("reason", "client")));
    }

    [Fact]
    public async Task AnUntrustedPeersForwardedForMakesNoNewBucketsAndTheAdminKeyHasNone()
    {
        // Arrange: the trusted proxy is elsewhere, so this loopback client's X-Forwarded-For counts for nothing.
        await using var server = await KestrelServer.StartAsync(api, new()
        {
            ["Admission:PerClientBurst"] = "3",
            ["Admission:PerClientRequestsPerSecond"] = "1",
            ["Admission:TrustedProxies"] = "192.0.2.10, 198.51.100.0/24",
        });
        using var rejected = new MeterRecorder(server.Services, Rejected);

        // Act: every read claims to come from another client; the operator then restocks from the same address.
        var (served, refusal) = await AdmissionAssertions.ReadUntilRefusedAsync(server.Client, "/api/products/ELEC-0001", attempt => $"203.0.113.{attempt + 1}");
        using var admin = new HttpRequestMessage(HttpMethod.Post, "/api/inventory/ELEC-0001/restock")
        {
            Content = JsonContent.Create(new { quantity = 1 }),
            Headers = { { "X-Api-Key", ApiFactory.AdminKey } },
        };
        var restock = await server.Client.SendAsync(admin);

        // Assert: one bucket for all of them, the connection's; the admin key is not a shopper and has no bucket.
        Assert.True(served >= 3, $"refused after {served} reads, within the burst of 3");
        await refusal.AssertShedAsync();
        Assert.Equal(1, rejected.Count(("class", "browse"), ("reason", "client")));
        await restock.AssertOkJsonAsync();
    }

    [Theory]
    [InlineData("Admission:MaxConcurrentRequests", "0")]
    [InlineData("Admission:BrowseCeilingPercent", "80")]
    [InlineData("Admission:CheckoutCeilingPercent", "120")]
    [InlineData("Admission:PayQueueLimit", "-1")]
    [InlineData("Admission:TrustedProxies", "10.0.0.0/8, proxy.example")]
    public void AnInvalidAdmissionSettingStopsTheApiFromStarting(string setting, string value)
    {
        using var misconfigured = api.WithWebHostBuilder(builder => builder.UseSetting(setting, value));

        var failure = Assert.ThrowsAny<OptionsValidationException>(() => misconfigured.Server);

        Assert.Equal(typeof(AdmissionOptions), failure.OptionsType);
    }

    private static async Task<List<HeldRequest>> HoldCartRequestsAsync(KestrelServer server, string sku, int count)
    {
        var held = new List<HeldRequest>();
        for (var i = 0; i < count; i++)
        {
            var cartId = await ApiFactory.CreateCartAsync(server.Client);
            held.Add(await server.HoldAsync("POST", $"/api/carts/{cartId}/items", $$"""{ "sku": "{{sku}}", "quantity": 1 }"""));
        }

        return held;
    }

    private static Task<HttpResponseMessage> CheckoutAsync(HttpClient client, string cartId) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/carts/{cartId}/checkout") { Headers = { { "Idempotency-Key", "admission" } } });

    private static async Task<string> CreateProductAsync(HttpClient client, int stock)
    {
        var sku = $"ADM-{Guid.NewGuid():N}"[..20];
        using var admin = new HttpRequestMessage(HttpMethod.Put, $"/api/products/{sku}")
        {
            Content = JsonContent.Create(new { name = sku, description = "", category = "admission", price = 3.00m }),
            Headers = { { "X-Api-Key", ApiFactory.AdminKey } },
        };
        (await client.SendAsync(admin)).EnsureSuccessStatusCode();
        using var restock = new HttpRequestMessage(HttpMethod.Post, $"/api/inventory/{sku}/restock")
        {
            Content = JsonContent.Create(new { quantity = stock }),
            Headers = { { "X-Api-Key", ApiFactory.AdminKey } },
        };
        (await client.SendAsync(restock)).EnsureSuccessStatusCode();
        return sku;
    }

    private static async Task<SiloAddress?> ActivationOfAsync<TGrain>(KestrelServer server, string key)
        where TGrain : IGrainWithStringKey
    {
        var grains = server.Services.GetRequiredService<IGrainFactory>();
        return await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grains.GetGrain<TGrain>(key));
    }

    /// <summary>A request as the limiter would see it, to read its statistics for that class.</summary>
    private static DefaultHttpContext RequestTo(KestrelServer server, string method, string path) =>
        new() { Request = { Method = method, Path = path }, RequestServices = server.Services };

    /// <summary>The Api with some settings changed, on a real Kestrel port of loopback.</summary>
    private sealed class KestrelServer : IAsyncDisposable
    {
        private readonly WebApplicationFactory<Program> _factory;
        private readonly List<HeldRequest> _held = [];

        private KestrelServer(WebApplicationFactory<Program> factory, Uri address)
        {
            _factory = factory;
            Address = address;
            Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        }

        public Uri Address { get; }

        public HttpClient Client { get; }

        public IServiceProvider Services => _factory.Services;

        public PriorityAdmissionLimiter Limiter => Services.GetRequiredService<PriorityAdmissionLimiter>();

        public static Task<KestrelServer> StartAsync(ApiFactory api, Dictionary<string, string> settings)
        {
            var factory = api.WithWebHostBuilder(builder =>
            {
                foreach (var (key, value) in settings)
                {
                    builder.UseSetting(key, value);
                }
            });
            var port = FreePorts.Next();
            factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
            factory.StartServer();
            return Task.FromResult(new KestrelServer(factory, new Uri($"http://127.0.0.1:{port}")));
        }

        /// <summary>
        /// Holds a permit with a <see cref="HeldRequest"/>, once every permit but those already held is back
        /// (earlier answers return theirs a moment after they were written).
        /// </summary>
        public async Task<HeldRequest> HoldAsync(string method, string path, string json, IReadOnlyDictionary<string, string>? headers = null)
        {
            var pool = Services.GetRequiredService<IOptions<AdmissionOptions>>().Value.MaxConcurrentRequests;
            await Eventually.ReturnsAsync(
                () => Task.FromResult(Limiter.GetStatistics(RequestTo(this, "POST", "/api/orders/any/pay"))?.CurrentAvailablePermits),
                available => available == pool - _held.Count,
                TimeSpan.FromSeconds(10),
                $"every permit but the {_held.Count} held ones to be back");
            var held = await HeldRequest.AdmitAsync(Address, method, path, json, headers);
            _held.Add(held);
            return held;
        }

        public async ValueTask DisposeAsync()
        {
            // Held requests first: a server stops only once its requests are done.
            foreach (var held in _held)
            {
                await held.DisposeAsync();
            }

            Client.Dispose();
            await _factory.DisposeAsync();
        }
    }
}
