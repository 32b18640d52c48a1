using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Doorbuster.Tests.Api;
using Doorbuster.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Doorbuster.Tests.EndToEnd;

/// <summary>
/// Faults injected for real into the real topology: the store killed and restarted, a reply lost between a
/// silo and Redis, a silo asked to stop while Redis is away. What a client sees must be what the contract
/// says: an answer within 2 seconds, 503 with Retry-After (never a 500 or a hang), and nothing acknowledged lost.
/// </summary>
public sealed class FaultProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>
    /// The contract's 2 s is the server's (the Api gives up on the cluster after 1.8 s); this client shares two cores
    /// with the servers and its own process stalled up to 0.7 s in 16 runs alone (the Api's log of the same request
    /// reached this process as late as its answer did), hence the margin. The measured times are printed.
    /// </summary>
    private static readonly TimeSpan AnswerDeadline = TimeSpan.FromSeconds(3);

    /// <summary>A read of an active grain during an outage: 200 from memory, or 503 when the breaker is open.</summary>
    private const HttpStatusCode ActiveActorRead = (HttpStatusCode)299;

    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProcessCluster.StartStoreAsync(durable: true);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task EveryRouteAnswersWithinTwoSecondsWhileRedisIsDownAndTheClusterServesAgainSoonAfter()
    {
        // Arrange: a product read through the Api, an order, a cart with a line, and an issued cart never touched.
        var (_, apis) = await _cluster.StartAsync(silos: 1, apis: 1);
        using var http = Client(apis[0], admin: true);
        await CreateProductAsync(http, "OUT-1", stock: 20);
        (await http.GetAsync("/api/products/OUT-1")).EnsureSuccessStatusCode();
        (await http.GetAsync("/api/products?category=outage")).EnsureSuccessStatusCode();
        var orderId = await CheckoutAsync(http, await ApiFactory.CartWithAsync(http, "OUT-1", 2), "before");
        var cartId = await ApiFactory.CartWithAsync(http, "OUT-1", 1);
        var untouched = await ApiFactory.CreateCartAsync(http);

        // Act: Redis goes away.
        await _cluster.Store.StopAsync();
        await Eventually.ReturnsAsync(
            () => StatusAsync(http, HttpMethod.Get, "/health/ready"), status => status == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(30), "the Api to report not ready without Redis");

        // Assert: every route answers in time. Product reads are served from memory (the near cache, or the
        // product's activation), and so is an active order; whatever needs Redis is a 503.
        var expectations = new (HttpMethod Method, string Path, object? Body, HttpStatusCode Status)[]
        {
            (HttpMethod.Get, "/api/products/OUT-1", null, HttpStatusCode.OK),
            (HttpMethod.Get, "/api/products?category=outage", null, HttpStatusCode.OK),
            (HttpMethod.Get, "/api/products/NEVER-SEEN", null, HttpStatusCode.ServiceUnavailable),
            (HttpMethod.Get, "/api/inventory/NEVER-SEEN", null, HttpStatusCode.ServiceUnavailable),
            (HttpMethod.Post, "/api/carts", null, HttpStatusCode.Created),
            (HttpMethod.Get, $"/api/carts/{untouched}", null, HttpStatusCode.ServiceUnavailable),
            (HttpMethod.Post, $"/api/carts/{cartId}/items", new { sku = "OUT-1", quantity = 1 }, HttpStatusCode.ServiceUnavailable),
            (HttpMethod.Put, $"/api/carts/{cartId}/items/OUT-1", new { quantity = 3 }, HttpStatusCode.ServiceUnavailable),
            (HttpMethod.Delete, $"/api/carts/{cartId}/items/OUT-1", null, HttpStatusCode.ServiceUnavailable),
            (HttpMethod.Delete, $"/api/carts/{untouched}", null, HttpStatusCode.ServiceUnavailable),
            (HttpMethod.Post, $"/api/carts/{cartId}/checkout", null, HttpStatusCode.ServiceUnavailable),
            (HttpMethod.Get, $"/api/orders/{orderId}", null, ActiveActorRead),
            (HttpMethod.Post, $"/api/orders/{orderId}/pay", null, HttpStatusCode.ServiceUnavailable),
            (HttpMethod.Post, $"/api/orders/{orderId}/cancel", null, HttpStatusCode.ServiceUnavailable),
            (HttpMethod.Get, "/api/orders/o-never-placed", null, HttpStatusCode.ServiceUnavailable),
            (HttpMethod.Post, "/api/inventory/OUT-1/restock", new { quantity = 1 }, HttpStatusCode.ServiceUnavailable),
            (HttpMethod.Put, "/api/products/OUT-1", new { name = "Changed", category = "outage", price = 2.00m }, HttpStatusCode.ServiceUnavailable),
        };
        var slowest = TimeSpan.Zero;
        foreach (var (method, path, body, status) in expectations)
        {
            var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", "during-outage");
            var clock = Stopwatch.StartNew();
            var response = await http.SendAsync(request);
            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
            output.WriteLine($"{method} {path} -> {(int)response.StatusCode} in {clock.ElapsedMilliseconds} ms");
            Assert.True(
                clock.Elapsed <= AnswerDeadline,
                $"{method} {path} answered {(int)response.StatusCode} after {clock.ElapsedMilliseconds} ms: beyond the contract's 2 s (and the margin of {AnswerDeadline.TotalSeconds} s)");
            if (status == ActiveActorRead)
            {
                // Served from the order's activation, or refused at once by the circuit breaker, which by now has
                // seen the other calls fail: both are the contract's answers to a read during an outage.
                Assert.Contains(response.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable });
            }
            else if (status == HttpStatusCode.ServiceUnavailable)
            {
                await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
                Assert.True(response.Headers.RetryAfter is not null, $"{method} {path}: a 503 must carry Retry-After");
            }
            else
            {
                Assert.True(status == response.StatusCode, $"{method} {path}: expected {(int)status}, got {(int)response.StatusCode}");
            }
        }

        output.WriteLine($"slowest answer during the outage: {slowest.TotalMilliseconds:F0} ms");

        // Redis comes back: readiness and writes recover by themselves, within seconds.
        var outageEnded = Stopwatch.StartNew();
        await _cluster.Store.StartAgainAsync();
        await Eventually.ReturnsAsync(
            () => StatusAsync(http, HttpMethod.Get, "/health/ready"), status => status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(15), "the Api to be ready again once Redis is back");
        output.WriteLine($"ready again {outageEnded.ElapsedMilliseconds} ms after Redis came back");
        await Eventually.ReturnsAsync(
            () => StatusAsync(http, HttpMethod.Post, $"/api/carts/{untouched}/items", new { sku = "OUT-1", quantity = 1 }), status => status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(15), "writes to be accepted again once Redis is back");
        output.WriteLine($"writes accepted again {outageEnded.ElapsedMilliseconds} ms after Redis came back");

        // Nothing acknowledged before the outage was lost, and the stock still adds up.
        var order = await (await http.GetAsync($"/api/orders/{orderId}")).AssertOkJsonAsync();
        Assert.Contains(order.GetProperty("status").GetString(), new[] { "PendingPayment", "Paid", "Cancelled" });
        var stock = await (await http.GetAsync("/api/inventory/OUT-1")).AssertOkJsonAsync();
        Assert.Equal(20, stock.GetProperty("available").GetInt64() + stock.GetProperty("reserved").GetInt64() + stock.GetProperty("sold").GetInt64());
    }

    [Fact]
    public async Task ARestockWhoseReplyWasLostIsCountedOnceAndTheGrainKeepsServing()
    {
        // Arrange: the silo reaches Redis through a proxy that can lose a reply; the Api reaches it directly.
        await using var proxy = TcpFaultProxy.Start(_cluster.Store.Port);
        var silo = _cluster.StartSilo("silo-behind-proxy", new Dictionary<string, string> { ["ConnectionStrings__Redis"] = proxy.ConnectionString });
        await silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        var api = _cluster.StartApi("api");
        await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        using var http = Client(api, admin: true);
        await CreateProductAsync(http, "LOST-1", stock: 10);

        // Act: the restock's write runs in Redis, and its answer is lost with the connection.
        var cut = proxy.CutTheReplyToAsync("restock/truck-7");
        var first = await RestockAsync(http, "LOST-1", 7, "truck-7");
        await cut.WaitAsync(TimeSpan.FromSeconds(5));

        // Assert: the Api either retried the idempotent restock itself (the grain, replaced, re-read Redis and
        // found it done) or answered 503 saying it may have been applied; never "not applied", never a 500.
        if (first.StatusCode != HttpStatusCode.OK)
        {
            var problem = await first.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Equal("unknown", problem.GetProperty("changeApplied").GetString());
            Assert.True(first.Headers.RetryAfter is not null);
        }

        // A retry with the same key is counted once and answered as the first was.
        var retried = await Eventually.ReturnsAsync(
            () => RestockAsync(http, "LOST-1", 7, "truck-7"), response => response.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(10), "the retried restock to be answered");
        Assert.Equal(17, (await retried.AssertOkJsonAsync()).GetProperty("available").GetInt64());

        // ... and the grain does not keep failing: the next write is an ordinary one.
        Assert.Equal(18, (await (await RestockAsync(http, "LOST-1", 1, "truck-8")).AssertOkJsonAsync()).GetProperty("available").GetInt64());
        Assert.Equal(18, (await (await http.GetAsync("/api/inventory/LOST-1")).AssertOkJsonAsync()).GetProperty("available").GetInt64());
    }

    [Fact]
    public async Task ACartWhoseWriteLostItsReplyServesWhatRedisHoldsAfterwards()
    {
        await using var proxy = TcpFaultProxy.Start(_cluster.Store.Port);
        var silo = _cluster.StartSilo("silo-behind-proxy", new Dictionary<string, string> { ["ConnectionStrings__Redis"] = proxy.ConnectionString });
        await silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        var api = _cluster.StartApi("api");
        await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        using var http = Client(api, admin: true);
        await CreateProductAsync(http, "LOST-CART", stock: 5);
        var cartId = await ApiFactory.CartWithAsync(http, "LOST-CART", 1);

        var cut = proxy.CutTheReplyToAsync(cartId);
        var add = await http.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku = "LOST-CART", quantity = 2 });
        await cut.WaitAsync(TimeSpan.FromSeconds(5));

        var problem = await add.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("unknown", problem.GetProperty("changeApplied").GetString());

        // The write did run in Redis: the cart, re-read, holds 3 — not the 1 the old activation remembered.
        var cart = await Eventually.ReturnsAsync(
            () => GetJsonAsync(http, $"/api/carts/{cartId}"), _ => true, TimeSpan.FromSeconds(10), $"cart {cartId} after the lost reply");
        Assert.Equal(3, Assert.Single(cart.GetProperty("items").EnumerateArray()).GetProperty("quantity").GetInt32());
        var next = await (await http.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku = "LOST-CART", quantity = 1 })).AssertOkJsonAsync();
        Assert.Equal(4, Assert.Single(next.GetProperty("items").EnumerateArray()).GetProperty("quantity").GetInt32());
    }

    [Fact]
    public async Task ASiloStopsWithinItsGracePeriodWhenAskedToWhileRedisIsDown()
    {
        var (silos, _) = await _cluster.StartAsync(silos: 1, apis: 0);

        await _cluster.Store.StopAsync();
        var stoppedIn = await silos[0].TerminateAsync(TimeSpan.FromSeconds(60));

        Assert.True(stoppedIn is not null, $"the silo was still running 60 s after SIGTERM:{Environment.NewLine}{silos[0].RecentLog}");
        output.WriteLine($"the silo stopped {stoppedIn.Value.TotalSeconds:F1} s after SIGTERM with Redis down");
        Assert.True(stoppedIn < TimeSpan.FromSeconds(50), $"the silo took {stoppedIn} to stop; Kubernetes gives it 60 s and its shutdown timeout is 45 s");
    }

    [Fact]
    public async Task ASiloStopsWithinItsGracePeriodWhenRedisGoesAwayAfterTheStopBegan()
    {
        // Redis still answers when the stop begins, then goes: the silo's goodbyes to the membership table cannot
        // land. A graceful stop takes about a second, so Redis must go inside that second; an attempt where the
        // silo was already gone by then proves nothing and is made again with a fresh silo.
        const int Attempts = 5;
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            var silo = _cluster.StartSilo($"silo-{attempt}");
            await silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));

            var stopping = silo.TerminateAsync(TimeSpan.FromSeconds(60));
            // Polled every 2 ms, not at Eventually's 250 ms: the window to hit is about a second.
            var began = Stopwatch.StartNew();
            while (!silo.Log.Contains("Application is shutting down", StringComparison.Ordinal) && began.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(2);
            }

            await _cluster.Store.StopAsync();
            var stillStopping = !silo.HasExited;
            var stoppedIn = await stopping;

            Assert.True(stoppedIn is not null, $"the silo was still running 60 s after SIGTERM:{Environment.NewLine}{silo.RecentLog}");
            Assert.True(stoppedIn < TimeSpan.FromSeconds(50), $"the silo took {stoppedIn} to stop; Kubernetes gives it 60 s and its shutdown timeout is 45 s");
            if (stillStopping)
            {
                output.WriteLine($"attempt {attempt}: Redis went away while the silo was stopping; it stopped {stoppedIn.Value.TotalSeconds:F1} s after SIGTERM");
                return;
            }

            output.WriteLine($"attempt {attempt}: the silo had stopped before Redis went away ({stoppedIn.Value.TotalSeconds:F1} s); again");
            await _cluster.Store.StartAgainAsync();
        }

        Assert.Fail($"in {Attempts} attempts Redis could not be taken away while the silo was still stopping");
    }

    [Fact]
    public async Task RefusedCheckoutsStoreNothingAndSettledOrdersDisappearAfterTheirRetention()
    {
        // Arrange: orders kept 3 s after they settle.
        var settings = new Dictionary<string, string> { ["Orders__Retention"] = "00:00:03" };
        var silo = _cluster.StartSilo("silo", settings);
        await silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        var api = _cluster.StartApi("api");
        await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        using var http = Client(api, admin: true);
        await CreateProductAsync(http, "BOUND-1", stock: 1);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_cluster.Store.ConnectionString);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var carts = await Task.WhenAll(Enumerable.Range(0, 61).Select(_ => ApiFactory.CartWithAsync(http, "BOUND-1", 1)));
        var winner = await CheckoutAsync(http, carts[0], "k");
        var keysBefore = server.Keys(pattern: "*").Select(key => key.ToString()).ToHashSet();

        // Act: 60 checkouts refused for insufficient stock, and the one order paid.
        foreach (var cartId in carts.Skip(1))
        {
            var refused = await http.SendAsync(CheckoutRequest(cartId, "k"));
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        }

        (await http.PostAsync($"/api/orders/{winner}/pay", null)).EnsureSuccessStatusCode();

        // Assert: the refusals left no key behind; the paid order's key expires and the order is forgotten.
        // (The reminder table is one key whatever it holds; the winner's hold may create it in the meantime.)
        var added = server.Keys(pattern: "*").Select(key => key.ToString())
            .Where(key => !keysBefore.Contains(key) && !key.EndsWith("/reminders", StringComparison.Ordinal)).ToList();
        Assert.True(added.Count == 0, $"refused checkouts left keys: {string.Join(", ", added.Take(5))}");
        var orderKey = keysBefore.Single(key => key.Contains(winner, StringComparison.Ordinal));
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(orderKey);
        Assert.True(ttl is { } left && left <= TimeSpan.FromMinutes(11), $"the order's key should expire with its retention, TTL is {ttl}");
        await Eventually.ReturnsAsync(
            () => StatusAsync(http, HttpMethod.Get, $"/api/orders/{winner}"), status => status == HttpStatusCode.NotFound,
            TimeSpan.FromSeconds(30), $"order {winner} to be forgotten after its retention");
        var cartKey = keysBefore.First(key => key.Contains(carts[1], StringComparison.Ordinal));
        Assert.True(await redis.GetDatabase().KeyTimeToLiveAsync(cartKey) > TimeSpan.FromDays(6.9), "a cart's key expires after 7 idle days");
    }

    private static HttpClient Client(DoorbusterProcess api, bool admin)
    {
        // The deadline is asserted where a test times answers; a client that gave up would hide what came back.
        var http = new HttpClient { BaseAddress = api.HttpAddress, Timeout = TimeSpan.FromSeconds(15) };
        if (admin)
        {
            http.DefaultRequestHeaders.Add("X-Api-Key", ProcessCluster.AdminKey);
        }

        return http;
    }

    private static async Task CreateProductAsync(HttpClient http, string sku, int stock)
    {
        (await http.PutAsJsonAsync($"/api/products/{sku}", new { name = sku, category = "outage", price = 1.00m })).EnsureSuccessStatusCode();
        (await RestockAsync(http, sku, stock, $"initial-{sku}")).EnsureSuccessStatusCode();
    }

    private static Task<HttpResponseMessage> RestockAsync(HttpClient http, string sku, int quantity, string key) =>
        http.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/inventory/{sku}/restock")
        {
            Content = JsonContent.Create(new { quantity }),
            Headers = { { "Idempotency-Key", key } },
        });

    private static HttpRequestMessage CheckoutRequest(string cartId, string key) =>
        new(HttpMethod.Post, $"/api/carts/{cartId}/checkout") { Headers = { { "Idempotency-Key", key } } };

    private static async Task<string> CheckoutAsync(HttpClient http, string cartId, string key)
    {
        var order = await (await http.SendAsync(CheckoutRequest(cartId, key))).AssertOkJsonAsync(HttpStatusCode.Created);
        return order.GetProperty("orderId").GetString()!;
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, HttpMethod method, string path, object? body = null)
    {
        using var response = await http.SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) });
        return response.StatusCode;
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        var response = await http.GetAsync(path);
        return response.StatusCode == HttpStatusCode.OK
            ? await response.AssertOkJsonAsync()
            : throw new HttpRequestException($"{path} answered {(int)response.StatusCode}");
    }
}
