using System.Net;
using System.Net.Http.Json;
using Doorbuster.Tests.Infrastructure;

namespace Doorbuster.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class InventoryApiTests(ApiFactory api)
{
    [Fact]
    public async Task StockOfAKnownSkuIsServedAndOfAnUnknownOneIsNotFound()
    {
        var sku = await api.CreateProductAsync(stock: 12);
        var client = api.CreateClient();

        var stock = await (await client.GetAsync($"/api/inventory/{sku}")).AssertOkJsonAsync();

        Assert.Equal(sku, stock.GetProperty("sku").GetString());
        Assert.Equal(12, stock.GetProperty("available").GetInt64());
        Assert.Equal(0, stock.GetProperty("reserved").GetInt64());
        Assert.Equal(0, stock.GetProperty("sold").GetInt64());
        await (await client.GetAsync("/api/inventory/NO-SUCH-SKU")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync("/api/inventory/bad.sku")).AssertValidationErrorAsync("sku");
    }

    [Fact]
    public async Task RestockAddsToAvailable()
    {
        var sku = await api.CreateProductAsync(stock: 5);

        var stock = await (await api.CreateAdminClient().PostAsJsonAsync($"/api/inventory/{sku}/restock", new { quantity = 1_000_000 }))
            .AssertOkJsonAsync();

        Assert.Equal(1_000_005, stock.GetProperty("available").GetInt64());
    }

    [Fact]
    public async Task ARestockRepeatedWithTheSameIdempotencyKeyIsCountedOnceAndAnsweredAsTheFirst()
    {
        var sku = await api.CreateProductAsync(stock: 0);
        var admin = api.CreateAdminClient();

        var answers = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/inventory/{sku}/restock")
            {
                Content = JsonContent.Create(new { quantity = 7 }),
                Headers = { { "Idempotency-Key", "truck-17" } },
            };
            answers.Add((await (await admin.SendAsync(request)).AssertOkJsonAsync()).GetRawText());
        }

        var reused = new HttpRequestMessage(HttpMethod.Post, $"/api/inventory/{sku}/restock")
        {
            Content = JsonContent.Create(new { quantity = 8 }),
            Headers = { { "Idempotency-Key", "truck-17" } },
        };
        await (await admin.SendAsync(reused)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Single(answers.Distinct());
        var stock = await (await admin.GetAsync($"/api/inventory/{sku}")).AssertOkJsonAsync();
        Assert.Equal(7, stock.GetProperty("available").GetInt64());
    }

    [Theory]
    [InlineData("""{ "quantity": 0 }""")]
    [InlineData("""{ "quantity": 1000001 }""")]
    [InlineData("""{ }""")]
    public async Task RestockOutsideOneToAMillionIsABadRequest(string json)
    {
        var sku = await api.CreateProductAsync(stock: 0);

        var response = await api.CreateAdminClient().PostAsync(
            $"/api/inventory/{sku}/restock", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertValidationErrorAsync("quantity");
    }

    [Fact]
    public async Task RestockNeedsTheAdminKeyAndAKnownSku()
    {
        var sku = await api.CreateProductAsync(stock: 1);

        await (await api.CreateClient().PostAsJsonAsync($"/api/inventory/{sku}/restock", new { quantity = 1 }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await api.CreateAdminClient().PostAsJsonAsync("/api/inventory/NO-SUCH-SKU/restock", new { quantity = 1 }))
            .AssertProblemAsync(HttpStatusCode.NotFound);
        var stock = await (await api.CreateClient().GetAsync($"/api/inventory/{sku}")).AssertOkJsonAsync();
        Assert.Equal(1, stock.GetProperty("available").GetInt64());
    }
}
