using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Doorbuster.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Doorbuster.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class CheckoutApiTests(ApiFactory api, ITestOutputHelper output)
{
    [Fact]
    public async Task AFlashSaleOfFiftyUnitsToThreeHundredCartsSellsExactlyFifty()
    {
        // Arrange: one sku with stock 50 and 300 carts holding one unit each.
        var sku = await api.CreateProductAsync(stock: 50);
        var client = api.CreateClient();
        var carts = await Task.WhenAll(Enumerable.Range(0, 300).Select(_ => ApiFactory.CartWithAsync(client, sku, 1)));

        // Act: everyone checks out at once.
        var clock = Stopwatch.StartNew();
        var responses = await Task.WhenAll(carts.Select(cartId => CheckoutAsync(client, cartId, "buy-now")));
        clock.Stop();
        output.WriteLine($"300 concurrent checkouts in {clock.Elapsed.TotalMilliseconds:F0} ms: {300 / clock.Elapsed.TotalSeconds:F0} checkouts/s");

        // Assert
        Assert.Equal(50, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(250, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal((0L, 50L, 0L), await StockAsync(client, sku));

        var orders = new List<string>();
        foreach (var created in responses.Where(r => r.StatusCode == HttpStatusCode.Created))
        {
            orders.Add((await created.AssertOkJsonAsync(HttpStatusCode.Created)).GetProperty("orderId").GetString()!);
        }

        var paid = await Task.WhenAll(orders.Take(30).Select(id => client.PostAsync($"/api/orders/{id}/pay", null)));
        var cancelled = await Task.WhenAll(orders.Skip(30).Select(id => client.PostAsync($"/api/orders/{id}/cancel", null)));
        Assert.All(paid.Concat(cancelled), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal((20L, 0L, 30L), await StockAsync(client, sku));
    }

    [Fact]
    public async Task ACheckoutIsAllOrNothingAndNamesTheShortSku()
    {
        var plenty = await api.CreateProductAsync(stock: 10);
        var scarce = await api.CreateProductAsync(stock: 1);
        var client = api.CreateClient();
        var cartId = await ApiFactory.CartWithAsync(client, plenty, 2);
        await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku = scarce, quantity = 3 });

        var response = await CheckoutAsync(client, cartId, "k1");

        var problem = await response.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.EndsWith("insufficient-stock", problem.GetProperty("type").GetString());
        var shortage = Assert.Single(problem.GetProperty("shortages").EnumerateArray());
        Assert.Equal(scarce, shortage.GetProperty("sku").GetString());
        Assert.Equal(1, shortage.GetProperty("available").GetInt64());
        Assert.Contains(scarce, problem.GetProperty("detail").GetString());
        Assert.Equal((10L, 0L, 0L), await StockAsync(client, plenty));
        Assert.Equal((1L, 0L, 0L), await StockAsync(client, scarce));
        var cart = await (await client.GetAsync($"/api/carts/{cartId}")).AssertOkJsonAsync();
        Assert.Equal(2, cart.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task ACartWhoseProductChangedCurrencyIsShownAndCheckedOutInTheNewCurrency()
    {
        // Arrange: a cart holding a product priced in USD, whose currency the operator then changes.
        var sku = await api.CreateProductAsync(stock: 5, price: 90.00m);
        var client = api.CreateClient();
        var cartId = await ApiFactory.CartWithAsync(client, sku, 1);
        (await api.CreateAdminClient().PutAsJsonAsync($"/api/products/{sku}", new { name = $"Test {sku}", category = "tests", price = 90.00m, currency = "EUR" }))
            .EnsureSuccessStatusCode();

        // Act
        var cart = await (await client.GetAsync($"/api/carts/{cartId}")).AssertOkJsonAsync();
        var order = await (await CheckoutAsync(client, cartId, "k1")).AssertOkJsonAsync(HttpStatusCode.Created);

        // Assert: 90 EUR is never shown or charged as 90 USD.
        Assert.Equal("EUR", cart.GetProperty("currency").GetString());
        Assert.Equal(90.00m, cart.GetProperty("total").GetDecimal());
        Assert.Equal("EUR", order.GetProperty("currency").GetString());
        Assert.Equal(90.00m, order.GetProperty("total").GetDecimal());
    }

    [Fact]
    public async Task ACheckoutOfACartWhoseProductsNoLongerShareACurrencyIsRefusedAndReservesNothing()
    {
        // Arrange: a cart of two products priced in USD; the operator moves one of them to EUR.
        var dollars = await api.CreateProductAsync(stock: 5, price: 10.00m);
        var euros = await api.CreateProductAsync(stock: 5, price: 90.00m);
        var client = api.CreateClient();
        var cartId = await ApiFactory.CartWithAsync(client, dollars, 1);
        (await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku = euros, quantity = 2 })).EnsureSuccessStatusCode();
        (await api.CreateAdminClient().PutAsJsonAsync($"/api/products/{euros}", new { name = $"Test {euros}", category = "tests", price = 90.00m, currency = "EUR" }))
            .EnsureSuccessStatusCode();

        // Act
        var response = await CheckoutAsync(client, cartId, "k1");

        // Assert: the problem of a cart add in another currency, and nothing held.
        var problem = await response.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.EndsWith("currency-mismatch", problem.GetProperty("type").GetString());
        Assert.Contains(euros, problem.GetProperty("detail").GetString());
        Assert.Equal((5L, 0L, 0L), await StockAsync(client, dollars));
        Assert.Equal((5L, 0L, 0L), await StockAsync(client, euros));
        var cart = await (await client.GetAsync($"/api/carts/{cartId}")).AssertOkJsonAsync();
        Assert.Equal(2, cart.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task TheSameIdempotencyKeySentTenTimesAtOnceMakesOneOrder()
    {
        var sku = await api.CreateProductAsync(stock: 10, price: 4.25m);
        var client = api.CreateClient();
        var cartId = await ApiFactory.CartWithAsync(client, sku, 2);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => CheckoutAsync(client, cartId, "same-key")));

        var orders = new List<JsonElement>();
        foreach (var response in responses)
        {
            orders.Add(await response.AssertOkJsonAsync(HttpStatusCode.Created));
            Assert.Equal($"/api/orders/{orders[^1].GetProperty("orderId").GetString()}", response.Headers.Location?.OriginalString);
        }

        Assert.Single(orders.Select(o => o.GetProperty("orderId").GetString()).Distinct());
        var order = orders[0];
        Assert.Equal("PendingPayment", order.GetProperty("status").GetString());
        Assert.Equal(8.50m, order.GetProperty("total").GetDecimal());
        Assert.Equal(cartId, order.GetProperty("cartId").GetString());
        Assert.True(order.GetProperty("expiresAt").GetDateTimeOffset() > order.GetProperty("createdAt").GetDateTimeOffset().AddMinutes(9));
        Assert.Equal((8L, 2L, 0L), await StockAsync(client, sku));
        var cart = await (await client.GetAsync($"/api/carts/{cartId}")).AssertOkJsonAsync();
        Assert.Equal(0, cart.GetProperty("items").GetArrayLength());

        var again = await CheckoutAsync(client, cartId, "a-new-key");
        var problem = await again.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.EndsWith("empty-cart", problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task ARetriedCheckoutNeverTakesALineTheShopperAddedBackAfterIt()
    {
        var sku = await api.CreateProductAsync(stock: 10);
        var client = api.CreateClient();
        var cartId = await ApiFactory.CartWithAsync(client, sku, 2);
        var first = await (await CheckoutAsync(client, cartId, "once")).AssertOkJsonAsync(HttpStatusCode.Created);

        (await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku, quantity = 1 })).EnsureSuccessStatusCode();
        var retried = await (await CheckoutAsync(client, cartId, "once")).AssertOkJsonAsync(HttpStatusCode.Created);

        Assert.Equal(first.GetProperty("orderId").GetString(), retried.GetProperty("orderId").GetString());
        var cart = await (await client.GetAsync($"/api/carts/{cartId}")).AssertOkJsonAsync();
        Assert.Equal(1, Assert.Single(cart.GetProperty("items").EnumerateArray()).GetProperty("quantity").GetInt32());
        Assert.Equal((8L, 2L, 0L), await StockAsync(client, sku));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("has space")]
    public async Task ACheckoutWithoutAValidIdempotencyKeyIsABadRequest(string? key)
    {
        var client = api.CreateClient();
        var cartId = await ApiFactory.CartWithAsync(client, "ELEC-0002", 1);

        var response = await CheckoutAsync(client, cartId, key);

        await response.AssertValidationErrorAsync("Idempotency-Key");
    }

    [Fact]
    public async Task PayAndCancelAreIdempotentAndRefuseTheOtherOnce()
    {
        var sku = await api.CreateProductAsync(stock: 5);
        var client = api.CreateClient();
        var paidOrder = await PlaceOrderAsync(client, sku, 1);
        var cancelledOrder = await PlaceOrderAsync(client, sku, 1);

        Assert.Equal("Paid", (await (await client.PostAsync($"/api/orders/{paidOrder}/pay", null)).AssertOkJsonAsync()).GetProperty("status").GetString());
        Assert.Equal("Paid", (await (await client.PostAsync($"/api/orders/{paidOrder}/pay", null)).AssertOkJsonAsync()).GetProperty("status").GetString());
        await (await client.PostAsync($"/api/orders/{paidOrder}/cancel", null)).AssertProblemAsync(HttpStatusCode.Conflict);

        Assert.Equal("Cancelled", (await (await client.PostAsync($"/api/orders/{cancelledOrder}/cancel", null)).AssertOkJsonAsync()).GetProperty("status").GetString());
        Assert.Equal("Cancelled", (await (await client.PostAsync($"/api/orders/{cancelledOrder}/cancel", null)).AssertOkJsonAsync()).GetProperty("status").GetString());
        await (await client.PostAsync($"/api/orders/{cancelledOrder}/pay", null)).AssertProblemAsync(HttpStatusCode.Conflict);

        Assert.Equal("Paid", (await (await client.GetAsync($"/api/orders/{paidOrder}")).AssertOkJsonAsync()).GetProperty("status").GetString());
        Assert.Equal((4L, 0L, 1L), await StockAsync(client, sku));
    }

    [Fact]
    public async Task AnUnknownOrderIsNotFoundAndAMalformedIdIsABadRequest()
    {
        var client = api.CreateClient();

        await (await client.GetAsync("/api/orders/o-unknown")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.PostAsync("/api/orders/o-unknown/pay", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.PostAsync("/api/orders/o-unknown/cancel", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync("/api/orders/bad%20id")).AssertValidationErrorAsync("orderId");
        await (await CheckoutAsync(client, "bad%20cart", "k")).AssertValidationErrorAsync("cartId");
    }

    private async Task<string> PlaceOrderAsync(HttpClient client, string sku, int quantity)
    {
        var cartId = await ApiFactory.CartWithAsync(client, sku, quantity);
        var order = await (await CheckoutAsync(client, cartId, "k")).AssertOkJsonAsync(HttpStatusCode.Created);
        return order.GetProperty("orderId").GetString()!;
    }

    private static Task<HttpResponseMessage> CheckoutAsync(HttpClient client, string cartId, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/carts/{cartId}/checkout");
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        return client.SendAsync(request);
    }

    private static async Task<(long Available, long Reserved, long Sold)> StockAsync(HttpClient client, string sku)
    {
        var stock = await (await client.GetAsync($"/api/inventory/{sku}")).AssertOkJsonAsync();
        return (stock.GetProperty("available").GetInt64(), stock.GetProperty("reserved").GetInt64(), stock.GetProperty("sold").GetInt64());
    }
}
