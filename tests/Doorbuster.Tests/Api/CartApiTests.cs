using System.Net;
using System.Net.Http.Json;
using Doorbuster.Tests.Infrastructure;

namespace Doorbuster.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class CartApiTests(ApiFactory api)
{
    private static string NewCartId() => $"cart-{Guid.NewGuid():N}";

    [Fact]
    public async Task AnUnknownCartIsEmpty()
    {
        var cartId = NewCartId();

        var cart = await (await api.CreateClient().GetAsync($"/api/carts/{cartId}")).AssertOkJsonAsync();

        Assert.Equal(cartId, cart.GetProperty("cartId").GetString());
        Assert.Equal(0, cart.GetProperty("items").GetArrayLength());
        Assert.Equal(0m, cart.GetProperty("total").GetDecimal());
        Assert.Equal("USD", cart.GetProperty("currency").GetString());
    }

    [Fact]
    public async Task AddingItemsAddsToTheLineAndPricesItAtTheCurrentCatalogPrice()
    {
        var sku = await api.CreateProductAsync(stock: 0, price: 2.50m);
        var client = api.CreateClient();
        var cartId = NewCartId();

        await (await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku, quantity = 2 })).AssertOkJsonAsync();
        var cart = await (await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku, quantity = 3 })).AssertOkJsonAsync();

        var line = Assert.Single(cart.GetProperty("items").EnumerateArray());
        Assert.Equal(5, line.GetProperty("quantity").GetInt32());
        Assert.Equal(2.50m, line.GetProperty("unitPrice").GetDecimal());
        Assert.Equal(12.50m, line.GetProperty("lineTotal").GetDecimal());
        Assert.Equal(12.50m, cart.GetProperty("total").GetDecimal());
        Assert.False(string.IsNullOrEmpty(line.GetProperty("name").GetString()));
        Assert.Equal(JsonValueKindString, cart.GetProperty("updatedAt").ValueKind);

        await api.CreateAdminClient().PutAsJsonAsync($"/api/products/{sku}", new { name = "Repriced", category = "tests", price = 3.00m });
        var repriced = await (await client.GetAsync($"/api/carts/{cartId}")).AssertOkJsonAsync();
        Assert.Equal(15.00m, repriced.GetProperty("total").GetDecimal());
    }

    private const System.Text.Json.JsonValueKind JsonValueKindString = System.Text.Json.JsonValueKind.String;

    [Theory]
    [InlineData("""{ "sku": "ELEC-0001", "quantity": 0 }""", "quantity")]
    [InlineData("""{ "sku": "ELEC-0001", "quantity": 100 }""", "quantity")]
    [InlineData("""{ "sku": "ELEC-0001" }""", "quantity")]
    [InlineData("""{ "sku": "bad sku", "quantity": 1 }""", "sku")]
    [InlineData("""{ "quantity": 1 }""", "sku")]
    public async Task AddingAnInvalidItemIsABadRequest(string json, string field)
    {
        var response = await api.CreateClient().PostAsync(
            $"/api/carts/{NewCartId()}/items", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertValidationErrorAsync(field);
    }

    [Fact]
    public async Task AddingAnUnknownSkuIsNotFound()
    {
        await (await api.CreateClient().PostAsJsonAsync($"/api/carts/{NewCartId()}/items", new { sku = "NO-SUCH-SKU", quantity = 1 }))
            .AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ALineThatWouldExceedNinetyNineUnitsIsAConflictAndChangesNothing()
    {
        var client = api.CreateClient();
        var cartId = NewCartId();
        await (await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku = "HOME-0001", quantity = 90 })).AssertOkJsonAsync();

        await (await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku = "HOME-0001", quantity = 10 }))
            .AssertProblemAsync(HttpStatusCode.Conflict);

        var cart = await (await client.GetAsync($"/api/carts/{cartId}")).AssertOkJsonAsync();
        Assert.Equal(90, Assert.Single(cart.GetProperty("items").EnumerateArray()).GetProperty("quantity").GetInt32());
    }

    [Fact]
    public async Task ACartHoldsAtMostOneHundredLines()
    {
        var client = api.CreateClient();
        var cartId = NewCartId();
        var skus = new[] { "ELEC", "TOYS", "HOME" }.SelectMany(prefix => Enumerable.Range(1, 34).Select(i => $"{prefix}-{i:D4}")).ToList();
        foreach (var sku in skus.Take(100))
        {
            (await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku, quantity = 1 })).EnsureSuccessStatusCode();
        }

        await (await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku = skus[100], quantity = 1 }))
            .AssertProblemAsync(HttpStatusCode.Conflict);
        var cart = await (await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku = skus[0], quantity = 1 })).AssertOkJsonAsync();
        Assert.Equal(100, cart.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task SettingAQuantitySetsTheLineAndZeroRemovesIt()
    {
        var client = api.CreateClient();
        var cartId = NewCartId();
        await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku = "BOOK-0001", quantity = 1 });
        await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku = "BOOK-0002", quantity = 1 });

        var set = await (await client.PutAsJsonAsync($"/api/carts/{cartId}/items/BOOK-0001", new { quantity = 7 })).AssertOkJsonAsync();
        Assert.Equal(7, set.GetProperty("items")[0].GetProperty("quantity").GetInt32());

        var removed = await (await client.PutAsJsonAsync($"/api/carts/{cartId}/items/BOOK-0001", new { quantity = 0 })).AssertOkJsonAsync();
        Assert.Equal("BOOK-0002", Assert.Single(removed.GetProperty("items").EnumerateArray()).GetProperty("sku").GetString());

        await (await client.PutAsJsonAsync($"/api/carts/{cartId}/items/BOOK-0001", new { quantity = 100 })).AssertValidationErrorAsync("quantity");
        await (await client.PutAsJsonAsync($"/api/carts/{cartId}/items/BOOK-0001", new { quantity = -1 })).AssertValidationErrorAsync("quantity");
        await (await client.PutAsJsonAsync($"/api/carts/{cartId}/items/NO-SUCH-SKU", new { quantity = 1 })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.PutAsJsonAsync($"/api/carts/{cartId}/items/bad%20sku", new { quantity = 1 })).AssertValidationErrorAsync("sku");
    }

    [Fact]
    public async Task DeletingALineOrTheCartEmptiesIt()
    {
        var client = api.CreateClient();
        var cartId = NewCartId();
        await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku = "GAME-0001", quantity = 1 });
        await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku = "GAME-0002", quantity = 1 });

        var afterDelete = await (await client.DeleteAsync($"/api/carts/{cartId}/items/GAME-0001")).AssertOkJsonAsync();
        Assert.Single(afterDelete.GetProperty("items").EnumerateArray());

        var cleared = await client.DeleteAsync($"/api/carts/{cartId}");
        Assert.Equal(HttpStatusCode.NoContent, cleared.StatusCode);
        var empty = await (await client.GetAsync($"/api/carts/{cartId}")).AssertOkJsonAsync();
        Assert.Equal(0, empty.GetProperty("items").GetArrayLength());

        await (await client.DeleteAsync("/api/carts/bad%20cart")).AssertValidationErrorAsync("cartId");
        await (await client.DeleteAsync($"/api/carts/{cartId}/items/bad%20sku")).AssertValidationErrorAsync("sku");
    }
}
