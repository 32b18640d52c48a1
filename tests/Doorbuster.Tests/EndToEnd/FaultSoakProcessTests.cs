using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Doorbuster.Inventory;
using Doorbuster.Orders;
using Doorbuster.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Doorbuster.Tests.EndToEnd;

/// <summary>
/// A bounded fault soak on loopback: a durable store, three silos and two Api processes under a steady
/// stream of shoppers (browse, cart, checkout, pay or cancel) while a silo is killed, every silo is
/// restarted in turn with SIGTERM, and the store itself is killed and restarted from its append-only file.
/// Afterwards every acknowledged order is there in the state it was acknowledged in, every sku's stock is
/// explained to the unit by those orders and by the holds of attempts that lost (which no order names, and
/// which go back at their expiry), and every answer was one the contract allows.
/// </summary>
[Collection(MachineSaturatingCollection.Name)]
public sealed class FaultSoakProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Stock = 100_000;
    private const int Shoppers = 10;
    private static readonly string[] Skus = [.. Enumerable.Range(1, 6).Select(i => $"SOAK-{i}")];

    // Every add to the cart was refused or may not have been applied: the contract's empty-cart 400.
    private readonly ContractObserver _observed = new(async (kind, response) =>
        kind == "checkout" && response.StatusCode == HttpStatusCode.BadRequest
        && (await response.Content.ReadAsStringAsync()).Contains("empty-cart", StringComparison.Ordinal));
    private readonly ConcurrentDictionary<string, Order> _orders = new();
    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProcessCluster.StartStoreAsync(durable: true);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task UnderSteadyLoadAKilledSiloARollingRestartAndARedisRestartLoseNothingAcknowledged()
    {
        // Arrange
        var (silos, apis) = await _cluster.StartAsync(silos: 3, apis: 2);
        using var admin = new HttpClient { BaseAddress = apis[0].HttpAddress };
        admin.DefaultRequestHeaders.Add("X-Api-Key", ProcessCluster.AdminKey);
        foreach (var sku in Skus)
        {
            (await admin.PutAsJsonAsync($"/api/products/{sku}", new { name = sku, category = "soak", price = 2.00m })).EnsureSuccessStatusCode();
            var restock = new HttpRequestMessage(HttpMethod.Post, $"/api/inventory/{sku}/restock")
            {
                Content = JsonContent.Create(new { quantity = Stock }),
                Headers = { { "Idempotency-Key", "soak" } },
            };
            (await admin.SendAsync(restock)).EnsureSuccessStatusCode();
        }

        // Act: shoppers until the faults are over and a little after.
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var shoppers = Enumerable.Range(0, Shoppers).Select(i => ShopAsync(ContractObserver.Shopper(apis[i % apis.Length], "203.0.113", i), new Random(i), stop.Token)).ToList();
        await CauseFaultsAsync(silos.ToList(), clock);
        await Task.Delay(TimeSpan.FromSeconds(8));
        await stop.CancelAsync();
        await Task.WhenAll(shoppers);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s of load; answers: {_observed.AnswerSummary}");

        // Assert: the answers, then every acknowledged order, then the stock of every sku to the unit.
        Assert.False(_observed.HasViolations, _observed.ViolationSummary + ErrorsTheApisLogged(apis));
        using var reader = ContractObserver.Shopper(apis[0], "203.0.113", Shoppers);
        foreach (var order in _orders.Values)
        {
            var stored = await UntilAnsweredAsync(reader, HttpMethod.Get, $"/api/orders/{order.Id}");
            Assert.True(stored.StatusCode == HttpStatusCode.OK, $"acknowledged order {order.Id} answered {(int)stored.StatusCode}");
            var status = (await JsonDocument.ParseAsync(await stored.Content.ReadAsStreamAsync())).RootElement.GetProperty("status").GetString();
            Assert.True(status == order.Status, $"order {order.Id} was acknowledged {order.Status} and reads {status}");
        }

        await using var redis = await ConnectionMultiplexer.ConnectAsync(_cluster.Store.ConnectionString);
        var named = await NamedAttemptsAsync(redis.GetDatabase());
        foreach (var sku in Skus)
        {
            var stock = (await JsonDocument.ParseAsync(await (await UntilAnsweredAsync(reader, HttpMethod.Get, $"/api/inventory/{sku}")).Content.ReadAsStreamAsync())).RootElement;
            var (available, reserved, sold) = (stock.GetProperty("available").GetInt64(), stock.GetProperty("reserved").GetInt64(), stock.GetProperty("sold").GetInt64());
            var paid = _orders.Values.Where(o => o.Status == "Paid").Sum(o => o.Quantity(sku));
            var holds = await HoldsAsync(redis.GetDatabase(), sku);
            var (unheld, abandoned) = Explain(sku, holds, named);
            var pending = _orders.Values.Where(o => o.Status == "PendingPayment").Sum(o => o.Quantity(sku));
            Assert.True(available + reserved + sold == Stock, $"{sku}: {available} + {reserved} + {sold} != {Stock}");
            Assert.True(sold == paid, $"{sku}: sold {sold}, but acknowledged payments bought {paid}; {await StoredStockAsync(redis.GetDatabase(), sku, holds)}; {SalesExplained(sku, holds, named)}");
            Assert.True(unheld.Count == 0, $"{sku}: acknowledged unpaid orders whose attempt holds nothing (or not their line): [{string.Join(", ", unheld)}]");
            Assert.True(
                reserved == pending + abandoned.Sum(hold => hold.Value.Quantity),
                $"{sku}: reserved {reserved}, but acknowledged unpaid orders hold {pending} and attempts no order names {abandoned.Sum(h => h.Value.Quantity)}: "
                    + string.Join(", ", abandoned.Select(h => $"{h.Key}={h.Value.Encode()} ({(named.TryGetValue(h.Key.OrderId, out var a) ? $"order names {a}" : "no order")})")));
            output.WriteLine($"{sku}: sold {sold}, reserved {reserved} = {pending} for unpaid orders + {abandoned.Sum(h => h.Value.Quantity)} held by {abandoned.Count} attempts that lost (they go back at their expiry)");
        }

        output.WriteLine($"{_orders.Count} orders checked: {string.Join(", ", _orders.Values.GroupBy(o => o.Status).Select(g => $"{g.Key} {g.Count()}"))}");
    }

    /// <summary>
    /// Splits the holds of a sku: an acknowledged unpaid order's line must be held, in full, by the attempt its
    /// stored order names; every other hold must belong to an attempt no order names (one that lost or was
    /// abandoned mid-way by a killed silo), which its inventory releases at the hold's expiry.
    /// </summary>
    private (List<string> Unheld, List<KeyValuePair<HoldKey, Reservation>> Abandoned) Explain(
        string sku, Dictionary<HoldKey, Reservation> holds, Dictionary<string, CheckoutAttempt> named)
    {
        var unheld = new List<string>();
        var owned = new HashSet<HoldKey>();
        foreach (var order in _orders.Values.Where(o => o.Status == "PendingPayment" && o.Quantity(sku) > 0))
        {
            var key = new HoldKey(order.Id, named.GetValueOrDefault(order.Id));
            owned.Add(key);
            if (!holds.TryGetValue(key, out var hold) || hold.Confirmed || hold.Quantity != order.Quantity(sku))
            {
                unheld.Add($"{order.Id} ({order.Quantity(sku)}, attempt {key.Attempt})");
            }
        }

        var abandoned = holds.Where(hold => !hold.Value.Confirmed && !owned.Contains(hold.Key)).ToList();
        unheld.AddRange(abandoned
            .Where(hold => named.TryGetValue(hold.Key.OrderId, out var attempt) && attempt == hold.Key.Attempt)
            .Select(hold => $"{hold.Key} is the hold of a placed order no client was told about"));
        return (unheld, abandoned);
    }

    /// <summary>For a failure message: the confirmations Redis remembers that no acknowledged payment explains, and the other way round.</summary>
    private string SalesExplained(string sku, Dictionary<HoldKey, Reservation> holds, Dictionary<string, CheckoutAttempt> named)
    {
        var confirmed = holds.Where(hold => hold.Value.Confirmed).ToList();
        var unexplained = confirmed
            .Where(hold => !(_orders.TryGetValue(hold.Key.OrderId, out var order) && order.Status == "Paid" && order.Quantity(sku) == hold.Value.Quantity
                && named.GetValueOrDefault(order.Id) == hold.Key.Attempt))
            .Select(hold => $"{hold.Key}={hold.Value.Encode()} ({(_orders.TryGetValue(hold.Key.OrderId, out var order) ? $"{order.Status}, line {order.Quantity(sku)}" : "never acknowledged")}, order names {(named.TryGetValue(hold.Key.OrderId, out var a) ? a : "nothing")})");
        var unsold = _orders.Values
            .Where(order => order.Status == "Paid" && order.Quantity(sku) > 0 && !confirmed.Exists(hold => hold.Key.OrderId == order.Id))
            .Select(order => $"{order.Id} ({order.Quantity(sku)})");
        return $"confirmations no acknowledged payment explains: [{string.Join(", ", unexplained)}]; acknowledged payments without a confirmation: [{string.Join(", ", unsold)}]";
    }

    /// <summary>For a failure message: the counters Redis holds for a sku, against the holds and confirmations it holds.</summary>
    private static async Task<string> StoredStockAsync(IDatabase redis, string sku, Dictionary<HoldKey, Reservation> holds)
    {
        var counters = (await redis.HashGetAllAsync($"doorbuster-test/inventory/{{{sku}}}/reservations"))
            .Where(entry => entry.Name.ToString().StartsWith('#'))
            .Select(entry => $"{entry.Name}={entry.Value}");
        return $"Redis holds [{string.Join(", ", counters)}], holds of {holds.Where(h => !h.Value.Confirmed).Sum(h => h.Value.Quantity)} units "
            + $"and confirmations of {holds.Where(h => h.Value.Confirmed).Sum(h => h.Value.Quantity)}";
    }

    private static async Task<Dictionary<HoldKey, Reservation>> HoldsAsync(IDatabase redis, string sku) =>
        (await redis.HashGetAllAsync($"doorbuster-test/inventory/{{{sku}}}/reservations"))
            .Where(entry => entry.Name.ToString()[0] is not ('#' or '!') && entry.Value != "~")
            .ToDictionary(entry => HoldKey.FromField(entry.Name.ToString()), entry => Reservation.Decode(entry.Value.ToString()));

    /// <summary>The attempt each stored order names, read from Redis as the order grain reads it.</summary>
    private static async Task<Dictionary<string, CheckoutAttempt>> NamedAttemptsAsync(IDatabase redis)
    {
        var serializer = new ServiceCollection().AddSerializer(builder => builder.AddAssembly(typeof(OrderState).Assembly)).BuildServiceProvider().GetRequiredService<Serializer>();
        var named = new Dictionary<string, CheckoutAttempt>(StringComparer.Ordinal);
        foreach (var key in redis.Multiplexer.GetServers().SelectMany(server => server.Keys(pattern: "doorbuster-test/checkout/*/order/*")))
        {
            var stored = (byte[])(await redis.StringGetAsync(key))!;
            var orderId = key.ToString()[(key.ToString().LastIndexOf('/') + 1)..];
            named[orderId] = serializer.Deserialize<OrderState>(stored.AsMemory(Array.IndexOf(stored, (byte)':') + 1))!.Attempt;
        }

        return named;
    }

    /// <summary>A silo killed, then every silo restarted in turn with SIGTERM, then the store killed and restarted.</summary>
    private async Task CauseFaultsAsync(List<DoorbusterProcess> silos, Stopwatch clock)
    {
        await Task.Delay(TimeSpan.FromSeconds(10));
        await silos[0].KillAsync();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s: killed {silos[0].Name}");
        silos[0] = _cluster.StartSilo("silo-4");
        await silos[0].WaitUntilReadyAsync(TimeSpan.FromSeconds(90));

        for (var i = 0; i < silos.Count; i++)
        {
            var stoppedIn = await silos[i].TerminateAsync(TimeSpan.FromSeconds(60));
            Assert.True(stoppedIn is not null, $"{silos[i].Name} did not stop within 60 s of SIGTERM");
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s: {silos[i].Name} stopped in {stoppedIn.Value.TotalSeconds:F1} s");
            silos[i] = _cluster.StartSilo($"silo-{5 + i}");
            await silos[i].WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        }

        await _cluster.Store.StopAsync();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s: killed the store");
        await Task.Delay(TimeSpan.FromSeconds(3));
        await _cluster.Store.StartAgainAsync();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s: the store is back from its append-only file");
    }

    private async Task ShopAsync(HttpClient http, Random random, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (random.Next(5) == 0)
            {
                await _observed.SendAsync(http, HttpMethod.Get, $"/api/products/{Skus[random.Next(Skus.Length)]}", "browse");
                await _observed.SendAsync(http, HttpMethod.Get, $"/api/inventory/{Skus[random.Next(Skus.Length)]}", "stock");
                continue;
            }

            var created = await UntilDefiniteAsync(http, HttpMethod.Post, "/api/carts", "create-cart", null, null);
            if (created?.StatusCode != HttpStatusCode.Created)
            {
                continue;
            }

            var cartId = (await JsonDocument.ParseAsync(await created.Content.ReadAsStreamAsync())).RootElement.GetProperty("cartId").GetString()!;
            for (var line = 0; line < 1 + random.Next(2); line++)
            {
                // Not idempotent: a 503 that says the add may have been applied is not repeated.
                await _observed.SendAsync(http, HttpMethod.Post, $"/api/carts/{cartId}/items", "add", new { sku = Skus[random.Next(Skus.Length)], quantity = 1 + random.Next(3) });
            }

            var key = $"k-{random.Next()}";
            var checkout = await UntilDefiniteAsync(http, HttpMethod.Post, $"/api/carts/{cartId}/checkout", "checkout", null, key);
            if (checkout?.StatusCode != HttpStatusCode.Created)
            {
                continue;
            }

            var placed = (await JsonDocument.ParseAsync(await checkout.Content.ReadAsStreamAsync())).RootElement;
            var order = new Order(
                placed.GetProperty("orderId").GetString()!,
                placed.GetProperty("items").EnumerateArray().ToDictionary(item => item.GetProperty("sku").GetString()!, item => item.GetProperty("quantity").GetInt32()));
            _orders[order.Id] = order;
            var action = random.Next(10) switch { < 5 => "pay", < 7 => "cancel", _ => null };
            if (action is not null && await UntilDefiniteAsync(http, HttpMethod.Post, $"/api/orders/{order.Id}/{action}", action, null, null) is { StatusCode: HttpStatusCode.OK })
            {
                order.Status = action == "pay" ? "Paid" : "Cancelled";
            }
        }
    }

    /// <summary>
    /// What the Apis logged as errors, which names the exception behind a 500 that the answer alone does not show;
    /// the resilience pipeline's own events (Polly logs a timed-out attempt as an error) are left out.
    /// </summary>
    private static string ErrorsTheApisLogged(IEnumerable<DoorbusterProcess> apis) =>
        string.Concat(apis.SelectMany(api => api.Errors
            .Where(entry => !entry.StartsWith("fail: Polly", StringComparison.Ordinal))
            .Select(entry => $"{Environment.NewLine}{api.Name} logged: {entry}")));

    /// <summary>An idempotent request repeated while shed or unavailable, for up to 90 s (<see cref="ContractObserver.UntilDefiniteAsync"/>).</summary>
    private Task<HttpResponseMessage?> UntilDefiniteAsync(HttpClient http, HttpMethod method, string path, string kind, object? body, string? key) =>
        _observed.UntilDefiniteAsync(http, method, path, kind, body, key, TimeSpan.FromSeconds(90));

    private static async Task<HttpResponseMessage> UntilAnsweredAsync(HttpClient http, HttpMethod method, string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var response = await http.SendAsync(new HttpRequestMessage(method, path));
            if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests) || DateTime.UtcNow > deadline)
            {
                return response;
            }

            await Task.Delay(500);
        }
    }

    private sealed class Order(string id, Dictionary<string, int> lines)
    {
        public string Id { get; } = id;

        public string Status { get; set; } = "PendingPayment";

        public int Quantity(string sku) => lines.GetValueOrDefault(sku);
    }
}
