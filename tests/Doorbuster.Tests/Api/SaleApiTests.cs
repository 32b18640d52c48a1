using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Doorbuster.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Doorbuster.Tests.Api;

/// <summary>
/// The flash-sale waiting room through the Api (docs/http-api.md, "Flash sales"): defining and ending a sale,
/// joining its queue before and after the start, admission in order, one checkout per admitted ticket, and
/// sold out said to every waiting ticket. Timing is the sale's own: it admits every half second.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SaleApiTests(ApiFactory api, ITestOutputHelper output)
{
    /// <summary>The contract's 2 s for sold out to reach a waiting ticket, with a margin for a loaded machine.</summary>
    private static readonly TimeSpan SoldOutNotice = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task ASaleIsDefinedReadAndEndedWithTheAdminKeyAndAnEndedSaleTakesNoOneMore()
    {
        var sku = await api.CreateProductAsync(stock: 5);
        var saleId = NewSaleId();
        using var admin = api.CreateAdminClient();
        var client = api.CreateClient();
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(10);

        await (await client.PutAsJsonAsync($"/api/sales/{saleId}", Definition([sku], startsAt))).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await admin.PutAsJsonAsync($"/api/sales/{saleId}", Definition([sku, "NO-SUCH-SKU"], startsAt))).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PutAsJsonAsync($"/api/sales/{saleId}", new { skus = Array.Empty<string>(), startsAt, admitPerSecond = 5 })).AssertValidationErrorAsync("skus");
        await (await admin.PutAsJsonAsync($"/api/sales/{saleId}", new { skus = new[] { sku }, startsAt, admitPerSecond = 0 })).AssertValidationErrorAsync("admitPerSecond");
        await (await admin.PutAsJsonAsync($"/api/sales/{saleId}", new { skus = new[] { sku }, admitPerSecond = 5 })).AssertValidationErrorAsync("startsAt");
        await (await admin.PutAsJsonAsync($"/api/sales/{saleId}", new { skus = new[] { sku }, startsAt, admitPerSecond = 5, admissionValidFor = "00:00:01" })).AssertValidationErrorAsync("admissionValidFor");
        await (await client.GetAsync($"/api/sales/{saleId}")).AssertProblemAsync(HttpStatusCode.NotFound);

        var defined = await (await admin.PutAsJsonAsync($"/api/sales/{saleId}", Definition([sku], startsAt, admitPerSecond: 7))).AssertOkJsonAsync();
        Assert.Equal("scheduled", defined.GetProperty("status").GetString());
        Assert.Equal(7, defined.GetProperty("admitPerSecond").GetInt32());
        Assert.Equal("00:05:00", defined.GetProperty("admissionValidFor").GetString());
        Assert.Equal(2, defined.GetProperty("ticketsPerClient").GetInt32());
        Assert.Equal([sku], defined.GetProperty("skus").EnumerateArray().Select(s => s.GetString()));

        var changed = await (await admin.PutAsJsonAsync($"/api/sales/{saleId}", Definition([sku], startsAt, admitPerSecond: 9))).AssertOkJsonAsync();
        Assert.Equal(9, changed.GetProperty("admitPerSecond").GetInt32());
        var read = await (await client.GetAsync($"/api/sales/{saleId}")).AssertOkJsonAsync();
        Assert.Equal(0, read.GetProperty("joined").GetInt64());

        await (await client.DeleteAsync($"/api/sales/{saleId}")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        var ended = await (await admin.DeleteAsync($"/api/sales/{saleId}")).AssertOkJsonAsync();
        Assert.Equal("ended", ended.GetProperty("status").GetString());
        await (await client.PostAsync($"/api/sales/{saleId}/tickets", null)).AssertProblemAsync(HttpStatusCode.Conflict);
        await (await admin.PutAsJsonAsync($"/api/sales/{saleId}", Definition([sku], startsAt))).AssertValidationErrorAsync("sale");
        await (await admin.DeleteAsync($"/api/sales/{NewSaleId()}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync("/api/sales/bad%20id")).AssertValidationErrorAsync("saleId");
    }

    [Fact]
    public async Task WhoJoinsBeforeTheStartIsDrawnAtRandomAndWhoJoinsAfterFollowsInArrivalOrder()
    {
        var sku = await api.CreateProductAsync(stock: 5);
        var saleId = NewSaleId();
        var startsAt = DateTimeOffset.UtcNow.AddSeconds(3);
        await DefineAsync(saleId, Definition([sku], startsAt, admitPerSecond: 1_000, ticketsPerClient: 100));
        var client = api.CreateClient();

        // Before the start: a place in the pre-queue, no position yet, and when to look again.
        var early = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            var response = await client.PostAsync($"/api/sales/{saleId}/tickets", null);
            var ticket = await response.AssertOkJsonAsync(HttpStatusCode.Created);
            Assert.Equal("waiting", ticket.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, ticket.GetProperty("position").ValueKind);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Equal($"/api/sales/{saleId}/tickets/{ticket.GetProperty("ticket").GetString()}", response.Headers.Location?.OriginalString);
            early.Add(ticket.GetProperty("ticket").GetString()!);
        }

        await Eventually.ReturnsAsync(() => SaleStatusAsync(client, saleId), status => status == "open", TimeSpan.FromSeconds(10), "the sale to open");

        // After the start: later joiners follow the pre-queue in the order they came.
        var late = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            var ticket = await (await client.PostAsync($"/api/sales/{saleId}/tickets", null)).AssertOkJsonAsync(HttpStatusCode.Created);
            late.Add(ticket.GetProperty("position").GetInt64());
        }

        Assert.Equal(Enumerable.Range(31, 10).Select(p => (long)p), late);
        var drawn = new List<long>();
        foreach (var ticket in early)
        {
            var view = await Eventually.ReturnsAsync(
                () => TicketAsync(client, saleId, ticket), t => t.GetProperty("position").ValueKind == JsonValueKind.Number,
                TimeSpan.FromSeconds(5), "the pre-queue's draw to reach the ticket");
            drawn.Add(view.GetProperty("position").GetInt64());
        }

        output.WriteLine($"pre-queue positions in joining order: {string.Join(" ", drawn)}");
        Assert.Equal(Enumerable.Range(1, 30).Select(p => (long)p), drawn.Order());
        Assert.NotEqual(Enumerable.Range(1, 30).Select(p => (long)p), drawn);
    }

    [Fact]
    public async Task ACheckoutOfASaleSkuNeedsAnAdmittedTicketAndEachTicketLetsOneCheckoutThrough()
    {
        // Arrange: a sale of one sku, and a sku outside it.
        var sku = await api.CreateProductAsync(stock: 5);
        var other = await api.CreateProductAsync(stock: 5);
        var saleId = NewSaleId();
        await DefineAsync(saleId, Definition([sku], DateTimeOffset.UtcNow.AddSeconds(2), admitPerSecond: 50, ticketsPerClient: 10));
        var client = api.CreateClient();
        var first = await JoinAsync(client, saleId);
        var second = await JoinAsync(client, saleId);
        await AdmittedAsync(client, saleId, first);
        await AdmittedAsync(client, saleId, second);

        // Without a ticket, or with one the sale did not issue: refused, nothing reserved.
        var cart = await ApiFactory.CartWithAsync(client, sku, 1);
        var refused = await (await CheckoutAsync(client, cart, "k1", ticket: null)).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.EndsWith("/ticket-required", refused.GetProperty("type").GetString(), StringComparison.Ordinal);
        await (await CheckoutAsync(client, cart, "k1", ticket: new string('A', 40))).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await CheckoutAsync(client, cart, "k1", ticket: new string('!', 40))).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal((5L, 0L, 0L), await StockAsync(client, sku));

        // With an admitted ticket: one checkout, and its repeat under the same key is the same checkout.
        var order = await (await CheckoutAsync(client, cart, "k1", first)).AssertOkJsonAsync(HttpStatusCode.Created);
        var repeat = await (await CheckoutAsync(client, cart, "k1", ticket: null)).AssertOkJsonAsync(HttpStatusCode.Created);
        Assert.Equal(order.GetProperty("orderId").GetString(), repeat.GetProperty("orderId").GetString());
        await Eventually.ReturnsAsync(
            () => TicketAsync(client, saleId, first), t => t.GetProperty("status").GetString() == "used",
            TimeSpan.FromSeconds(2), "the ticket to read used (the Api's copy of the sale is at most half a second old)");

        // The used ticket lets no other checkout through; the second ticket does; skus outside the sale need none.
        var cart2 = await ApiFactory.CartWithAsync(client, sku, 1);
        await (await CheckoutAsync(client, cart2, "k2", first)).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await CheckoutAsync(client, cart2, "k2", second)).AssertOkJsonAsync(HttpStatusCode.Created);
        await (await CheckoutAsync(client, await ApiFactory.CartWithAsync(client, other, 1), "k3", ticket: null)).AssertOkJsonAsync(HttpStatusCode.Created);
        Assert.Equal((3L, 2L, 0L), await StockAsync(client, sku));

        // Once the sale ends, its skus check out without a ticket again.
        using var admin = api.CreateAdminClient();
        (await admin.DeleteAsync($"/api/sales/{saleId}")).EnsureSuccessStatusCode();
        var after = await ApiFactory.CartWithAsync(client, sku, 1);
        await Eventually.ReturnsAsync(
            async () => (await CheckoutAsync(client, after, "k4", ticket: null)).StatusCode, status => status == HttpStatusCode.Created,
            TimeSpan.FromSeconds(5), "an ended sale's sku to check out without a ticket");
    }

    [Fact]
    public async Task ATicketWhoseCheckoutWasRefusedIsGivenBackAndATicketNotYetAdmittedLetsNothingThrough()
    {
        var sku = await api.CreateProductAsync(stock: 1);
        var saleId = NewSaleId();
        await DefineAsync(saleId, Definition([sku], DateTimeOffset.UtcNow.AddSeconds(2), admitPerSecond: 1, ticketsPerClient: 10));
        var client = api.CreateClient();
        var tickets = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            tickets.Add(await JoinAsync(client, saleId));
        }

        var (first, last) = await FirstAndLastAsync(client, saleId, tickets);
        await AdmittedAsync(client, saleId, first);
        var cart = await ApiFactory.CartWithAsync(client, sku, 2);
        await (await CheckoutAsync(client, cart, "too-many", last)).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await CheckoutAsync(client, cart, "too-many", first)).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("admitted", (await TicketAsync(client, saleId, first)).GetProperty("status").GetString());

        (await client.PutAsJsonAsync($"/api/carts/{cart}/items/{sku}", new { quantity = 1 })).EnsureSuccessStatusCode();
        await (await CheckoutAsync(client, cart, "one", first)).AssertOkJsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task WaitingTicketsReadSoldOutOnceEveryUnitIsHeldAndWaitingAgainWhenAUnitComesBack()
    {
        // Arrange: one unit, a queue of eight admitted one per second.
        var sku = await api.CreateProductAsync(stock: 1);
        var saleId = NewSaleId();
        await DefineAsync(saleId, Definition([sku], DateTimeOffset.UtcNow.AddSeconds(2), admitPerSecond: 1, ticketsPerClient: 10));
        var client = api.CreateClient();
        var tickets = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            tickets.Add(await JoinAsync(client, saleId));
        }

        var (first, last) = await FirstAndLastAsync(client, saleId, tickets);
        await AdmittedAsync(client, saleId, first);
        Assert.Equal("waiting", (await TicketAsync(client, saleId, last)).GetProperty("status").GetString());

        // Act: the first shopper holds the only unit.
        var order = await (await CheckoutAsync(client, await ApiFactory.CartWithAsync(client, sku, 1), "all", first)).AssertOkJsonAsync(HttpStatusCode.Created);
        var held = Stopwatch.StartNew();

        // Assert: the last ticket is told at once, the sale says so, and a unit back puts it in the queue again.
        var soldOut = await Eventually.ReturnsAsync(
            () => TicketAsync(client, saleId, last), t => t.GetProperty("status").GetString() == "soldOut", TimeSpan.FromSeconds(10), "the waiting ticket to read soldOut");
        output.WriteLine($"the waiting ticket read soldOut {held.ElapsedMilliseconds} ms after the last unit was held");
        Assert.True(held.Elapsed <= SoldOutNotice, $"sold out reached the waiting ticket after {held.ElapsedMilliseconds} ms");
        Assert.Equal(tickets.Count, soldOut.GetProperty("position").GetInt64());
        Assert.Equal("soldOut", await SaleStatusAsync(client, saleId));

        (await client.PostAsync($"/api/orders/{order.GetProperty("orderId").GetString()}/cancel", null)).EnsureSuccessStatusCode();
        var back = Stopwatch.StartNew();
        await Eventually.ReturnsAsync(
            () => TicketAsync(client, saleId, last), t => t.GetProperty("status").GetString() == "waiting", TimeSpan.FromSeconds(10), "the ticket to wait again");
        output.WriteLine($"waiting again {back.ElapsedMilliseconds} ms after the unit came back");
        Assert.True(back.Elapsed <= SoldOutNotice, $"the unit's return reached the waiting ticket after {back.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task ATicketNobodyIssuedIsNotFoundAndAClientHoldsAtMostTheSalesLimit()
    {
        var sku = await api.CreateProductAsync(stock: 1);
        var (saleId, otherSale) = (NewSaleId(), NewSaleId());
        await DefineAsync(saleId, Definition([sku], DateTimeOffset.UtcNow.AddMinutes(5), admitPerSecond: 1, ticketsPerClient: 2));
        await DefineAsync(otherSale, Definition([await api.CreateProductAsync(stock: 1)], DateTimeOffset.UtcNow.AddMinutes(5), admitPerSecond: 1, ticketsPerClient: 2));
        var client = api.CreateClient();

        var ticket = await JoinAsync(client, saleId);
        await JoinAsync(client, saleId);
        var third = await client.PostAsync($"/api/sales/{saleId}/tickets", null);
        var problem = await third.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.EndsWith("/too-many-tickets", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.NotNull(third.Headers.RetryAfter);

        var altered = ticket[..^1] + (ticket[^1] == 'A' ? 'B' : 'A');
        await (await client.GetAsync($"/api/sales/{saleId}/tickets/{altered}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync($"/api/sales/{otherSale}/tickets/{ticket}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync($"/api/sales/{saleId}/tickets/not-a-ticket")).AssertProblemAsync(HttpStatusCode.NotFound);

        // A sale id with a newline is malformed: before the rule was exact it joined, then failed on its Location header.
        await (await client.PostAsync($"/api/sales/{saleId}%0A/tickets", null)).AssertValidationErrorAsync("saleId");

        // A ticket's length with a character outside base64url, or with a newline the decoder would skip: not a 500.
        foreach (var forged in (string[])[new string('A', 39) + "!", ticket[..^1] + "%0A", new string('A', 39) + "%C3%A9", ticket[..^1] + "."])
        {
            await (await client.GetAsync($"/api/sales/{saleId}/tickets/{forged}")).AssertProblemAsync(HttpStatusCode.NotFound);
        }

        await (await client.GetAsync($"/api/sales/{NewSaleId()}/tickets/{ticket}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("waiting", (await TicketAsync(client, saleId, ticket)).GetProperty("status").GetString());
    }

    private static string NewSaleId() => $"sale-{Guid.NewGuid():N}"[..20];

    private static object Definition(string[] skus, DateTimeOffset startsAt, int admitPerSecond = 5, int? ticketsPerClient = null) =>
        ticketsPerClient is null
            ? new { skus, startsAt, admitPerSecond }
            : new { skus, startsAt, admitPerSecond, ticketsPerClient };

    private async Task DefineAsync(string saleId, object definition)
    {
        using var admin = api.CreateAdminClient();
        await (await admin.PutAsJsonAsync($"/api/sales/{saleId}", definition)).AssertOkJsonAsync();
    }

    private static async Task<string> JoinAsync(HttpClient client, string saleId) =>
        (await (await client.PostAsync($"/api/sales/{saleId}/tickets", null)).AssertOkJsonAsync(HttpStatusCode.Created)).GetProperty("ticket").GetString()!;

    private static async Task<JsonElement> TicketAsync(HttpClient client, string saleId, string ticket) =>
        await (await client.GetAsync($"/api/sales/{saleId}/tickets/{ticket}")).AssertOkJsonAsync();

    private static async Task<string?> SaleStatusAsync(HttpClient client, string saleId) =>
        (await (await client.GetAsync($"/api/sales/{saleId}")).AssertOkJsonAsync()).GetProperty("status").GetString();

    /// <summary>Of tickets joined before the start (in the pre-queue's random order), the first and the last in the queue once it is drawn.</summary>
    private static async Task<(string First, string Last)> FirstAndLastAsync(HttpClient client, string saleId, List<string> tickets)
    {
        var positions = new List<(long Position, string Ticket)>();
        foreach (var ticket in tickets)
        {
            var view = await Eventually.ReturnsAsync(
                () => TicketAsync(client, saleId, ticket), t => t.GetProperty("position").ValueKind == JsonValueKind.Number,
                TimeSpan.FromSeconds(10), "the pre-queue's draw");
            positions.Add((view.GetProperty("position").GetInt64(), ticket));
        }

        positions.Sort();
        return (positions[0].Ticket, positions[^1].Ticket);
    }

    private static Task AdmittedAsync(HttpClient client, string saleId, string ticket) =>
        Eventually.ReturnsAsync(
            () => TicketAsync(client, saleId, ticket), t => t.GetProperty("status").GetString() == "admitted", TimeSpan.FromSeconds(15), "the ticket's admission");

    private static Task<HttpResponseMessage> CheckoutAsync(HttpClient client, string cartId, string key, string? ticket)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/carts/{cartId}/checkout");
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        if (ticket is not null)
        {
            request.Headers.TryAddWithoutValidation("Sale-Ticket", ticket);
        }

        return client.SendAsync(request);
    }

    private static async Task<(long Available, long Reserved, long Sold)> StockAsync(HttpClient client, string sku)
    {
        var stock = await (await client.GetAsync($"/api/inventory/{sku}")).AssertOkJsonAsync();
        return (stock.GetProperty("available").GetInt64(), stock.GetProperty("reserved").GetInt64(), stock.GetProperty("sold").GetInt64());
    }
}
