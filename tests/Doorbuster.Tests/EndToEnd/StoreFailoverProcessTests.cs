using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Doorbuster.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Doorbuster.Tests.EndToEnd;

/// <summary>
/// A flash sale and cart writes while the store loses the node that takes writes (under Sentinels: the
/// primary, SIGKILLed for good; a single server or a cluster's shards: killed and started again from the
/// append-only file). Writes answer again within 10 s, meanwhile every refusal is a 503 with Retry-After,
/// and after every silo is killed and started again (so each grain reads Redis, not its memory) the stock
/// adds up, every acknowledged payment is there and every acknowledged cart line is in its cart.
/// </summary>
[Trait(TestStore.Topology, TestStore.AnyTopology)]
[Collection(MachineSaturatingCollection.Name)]
public sealed class StoreFailoverProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string HotSku = "FAILOVER-HOT";
    private const int Stock = 1_000_000;
    private const int Buyers = 6;
    private const int CartWriters = 4;
    private static readonly TimeSpan WritesBackWithin = TimeSpan.FromSeconds(10);

    private readonly ContractObserver _observed = new();
    private readonly ConcurrentQueue<TimeSpan> _acknowledgedCartWrites = new();
    private readonly ConcurrentBag<string> _paidOrders = [];
    private readonly ConcurrentDictionary<string, CartLines> _carts = new();
    private readonly Stopwatch _clock = new();
    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProcessCluster.StartStoreAsync(durable: true);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task WritesAnswerAgainWithinTenSecondsOfLosingTheWritableNodeAndNothingAcknowledgedIsLost()
    {
        // Arrange
        var (silos, apis) = await _cluster.StartAsync(silos: 2, apis: 1);
        using (var admin = AdminClient(apis[0]))
        {
            (await admin.PutAsJsonAsync($"/api/products/{HotSku}", new { name = "Hot", category = "failover", price = 1.00m })).EnsureSuccessStatusCode();
            (await admin.PostAsJsonAsync($"/api/inventory/{HotSku}/restock", new { quantity = Stock })).EnsureSuccessStatusCode();
        }

        // Act: buyers and cart writers before, during and after the loss of the writable node.
        using var stop = new CancellationTokenSource();
        _clock.Start();
        var load = Enumerable.Range(0, Buyers).Select(i => BuyAsync(ContractObserver.Shopper(apis[0], "198.51.100", i), stop.Token))
            .Concat(Enumerable.Range(0, CartWriters).Select(i => WriteCartsAsync(ContractObserver.Shopper(apis[0], "198.51.100", Buyers + i), stop.Token)))
            .ToList();
        await Task.Delay(TimeSpan.FromSeconds(6));
        var lostAt = _clock.Elapsed;
        await _cluster.Store.LoseWritableNodeAsync();
        output.WriteLine($"{lostAt.TotalSeconds:F1} s ({DateTime.UtcNow:HH:mm:ss.fff} UTC): lost the writable node ({TestStore.Kind})");
        await Eventually.ReturnsAsync(
            () => Task.FromResult(_acknowledgedCartWrites.Any(at => at > lostAt + TimeSpan.FromSeconds(5))),
            done => done,
            TimeSpan.FromSeconds(60),
            "cart writes acknowledged for 5 s after the loss");
        await stop.CancelAsync();
        await Task.WhenAll(load);
        output.WriteLine($"answers: {_observed.AnswerSummary}");

        // Every silo killed and started again, so that what is checked below is read from Redis.
        foreach (var silo in silos)
        {
            await silo.KillAsync();
        }

        await apis[0].KillAsync();
        var (_, restartedApis) = await _cluster.StartAsync(silos: 2, apis: 1);
        using var reader = AdminClient(restartedApis[0]);

        // Assert: the gap, the answers, then what Redis holds.
        var (gapFrom, longestGap) = LongestGapAfter(lostAt);
        output.WriteLine(
            $"{_acknowledgedCartWrites.Count} cart writes acknowledged; the longest time without one from the loss: {longestGap.TotalSeconds:F1} s, "
            + $"from {(gapFrom - lostAt).TotalSeconds:F1} s after it");
        output.WriteLine($"acknowledged cart writes per half second from the loss: {AcknowledgedPerHalfSecond(lostAt)}");
        Assert.True(longestGap < WritesBackWithin, $"no cart write was acknowledged for {longestGap.TotalSeconds:F1} s after losing the writable node");
        Assert.False(_observed.HasViolations, _observed.ViolationSummary);

        foreach (var orderId in _paidOrders)
        {
            var order = await ReadAsync(reader, $"/api/orders/{orderId}");
            Assert.True(order.GetProperty("status").GetString() == "Paid", $"order {orderId} was acknowledged paid and reads {order.GetProperty("status")}");
        }

        var stock = await ReadAsync(reader, $"/api/inventory/{HotSku}");
        var (available, reserved, sold) = (stock.GetProperty("available").GetInt64(), stock.GetProperty("reserved").GetInt64(), stock.GetProperty("sold").GetInt64());
        Assert.True(available + reserved + sold == Stock, $"{available} available + {reserved} reserved + {sold} sold != {Stock}");
        Assert.True(sold == _paidOrders.Count, $"sold {sold}, but {_paidOrders.Count} payments of one unit were acknowledged");

        foreach (var (cartId, lines) in _carts)
        {
            var cart = await ReadAsync(reader, $"/api/carts/{cartId}");
            var stored = cart.GetProperty("items").EnumerateArray().Sum(item => item.GetProperty("quantity").GetInt32());
            Assert.True(
                stored >= lines.Acknowledged && stored <= lines.Acknowledged + lines.Unknown,
                $"cart {cartId} holds {stored} units; {lines.Acknowledged} were acknowledged and {lines.Unknown} may have been applied");
        }

        var keys = await _cluster.Store.KeysPerPrimaryAsync();
        output.WriteLine($"{_paidOrders.Count} paid orders and {_carts.Count} carts checked; keys per primary: {string.Join(", ", keys)}");
        Assert.Equal(_cluster.Store.Primaries, keys.Count);
        Assert.All(keys, count => Assert.True(count > 0, "a primary holds no key: the keys are not spread over the shards"));
    }

    /// <summary>The longest time, from the loss on, without an acknowledged cart write (up to the last one), and when it began.</summary>
    private (TimeSpan From, TimeSpan Length) LongestGapAfter(TimeSpan lostAt)
    {
        var times = _acknowledgedCartWrites.Where(at => at >= lostAt).Order().Prepend(lostAt).ToList();
        return times.Zip(times.Skip(1), (earlier, later) => (earlier, later - earlier)).DefaultIfEmpty((lostAt, TimeSpan.MaxValue)).MaxBy(gap => gap.Item2);
    }

    /// <summary>How many cart writes were acknowledged in each half second of the 15 s after the loss: where a gap sits and how writes came back.</summary>
    private string AcknowledgedPerHalfSecond(TimeSpan lostAt)
    {
        var perBucket = new int[30];
        foreach (var at in _acknowledgedCartWrites.Where(at => at >= lostAt && at < lostAt + TimeSpan.FromSeconds(15)))
        {
            perBucket[(int)((at - lostAt).TotalMilliseconds / 500)]++;
        }

        return string.Join(' ', perBucket);
    }

    /// <summary>A buyer in the flash sale: one unit of the hot sku per order, each order paid; retries until each step is definite.</summary>
    private async Task BuyAsync(HttpClient http, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (await NewCartAsync(http) is not { } cartId)
            {
                continue;
            }

            // Adding is not idempotent; an add that may have been applied is not repeated, the cart read instead.
            var added = await _observed.SendAsync(http, HttpMethod.Post, $"/api/carts/{cartId}/items", "add", new { sku = HotSku, quantity = 1 }, null);
            if (added?.IsSuccessStatusCode != true && !await HoldsTheHotSkuAsync(http, cartId))
            {
                continue;
            }

            var checkout = await UntilDefiniteAsync(http, HttpMethod.Post, $"/api/carts/{cartId}/checkout", "checkout", null, $"buy-{cartId}");
            if (checkout?.StatusCode != HttpStatusCode.Created)
            {
                continue;
            }

            var orderId = (await checkout.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("orderId").GetString()!;
            var paid = await UntilDefiniteAsync(http, HttpMethod.Post, $"/api/orders/{orderId}/pay", "pay", null, null);
            if (paid?.StatusCode == HttpStatusCode.OK)
            {
                _paidOrders.Add(orderId);
            }
            else if (paid is not null)
            {
                _observed.Violation($"pay {orderId}: {(int)paid.StatusCode} {await paid.Content.ReadAsStringAsync()}");
            }
        }
    }

    private async Task<bool> HoldsTheHotSkuAsync(HttpClient http, string cartId)
    {
        var cart = await UntilDefiniteAsync(http, HttpMethod.Get, $"/api/carts/{cartId}", "read-cart", null, null);
        return cart?.StatusCode == HttpStatusCode.OK
            && (await cart.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").GetArrayLength() > 0;
    }

    /// <summary>A shopper filling carts one unit at a time: every acknowledged add is a cart write whose time is recorded.</summary>
    private async Task WriteCartsAsync(HttpClient http, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (await NewCartAsync(http) is not { } cartId)
            {
                continue;
            }

            var lines = _carts[cartId] = new CartLines();
            for (var add = 0; add < 20 && !stop.IsCancellationRequested; add++)
            {
                var response = await _observed.SendAsync(http, HttpMethod.Post, $"/api/carts/{cartId}/items", "add", new { sku = HotSku, quantity = 1 }, null);
                if (response?.IsSuccessStatusCode == true)
                {
                    lines.Acknowledged++;
                    _acknowledgedCartWrites.Enqueue(_clock.Elapsed);
                }
                else if (response?.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                    lines.Unknown += problem.TryGetProperty("changeApplied", out var applied) && applied.GetString() == "no" ? 0 : 1;
                    await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(200), CancellationToken.None);
                }
                else if (response is not null)
                {
                    await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(200), CancellationToken.None);
                }
            }
        }
    }

    private static async Task<JsonElement> ReadAsync(HttpClient http, string path) =>
        await Eventually.ReturnsAsync(
            async () =>
            {
                var response = await http.GetAsync(path);
                return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
            },
            found => found.ValueKind == JsonValueKind.Object,
            TimeSpan.FromSeconds(60),
            $"GET {path} after the restart");

    /// <summary>A new cart's id, once creating one got a definite answer; <c>null</c> when it was not created.</summary>
    private async Task<string?> NewCartAsync(HttpClient http)
    {
        var created = await UntilDefiniteAsync(http, HttpMethod.Post, "/api/carts", "create-cart", null, null);
        return created?.StatusCode == HttpStatusCode.Created
            ? (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cartId").GetString()
            : null;
    }

    /// <summary>An idempotent request repeated while shed or unavailable, for up to 60 s (<see cref="ContractObserver.UntilDefiniteAsync"/>).</summary>
    private Task<HttpResponseMessage?> UntilDefiniteAsync(HttpClient http, HttpMethod method, string path, string kind, object? body, string? key) =>
        _observed.UntilDefiniteAsync(http, method, path, kind, body, key, TimeSpan.FromSeconds(60));

    private static HttpClient AdminClient(DoorbusterProcess api)
    {
        var http = new HttpClient { BaseAddress = api.HttpAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", ProcessCluster.AdminKey);
        return http;
    }

    private sealed class CartLines
    {
        public int Acknowledged { get; set; }

        public int Unknown { get; set; }
    }
}
