using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Doorbuster.Api.Carts;
using Doorbuster.Carts;
using Doorbuster.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Doorbuster.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class CartApiTests(ApiFactory api)
{
    [Fact]
    public async Task ACartIsIssuedByTheServerEmptyWithItsLocation()
    {
        var client = api.CreateClient();

        var response = await client.PostAsync("/api/carts", null);

        var cart = await response.AssertOkJsonAsync(HttpStatusCode.Created);
        var cartId = cart.GetProperty("cartId").GetString()!;
        Assert.Matches(Identifiers.Pattern, cartId);
        Assert.Equal($"/api/carts/{cartId}", response.Headers.Location?.OriginalString);
        Assert.Equal(0, cart.GetProperty("items").GetArrayLength());
        var read = await (await client.GetAsync($"/api/carts/{cartId}")).AssertOkJsonAsync();
        Assert.Equal(cartId, read.GetProperty("cartId").GetString());
        Assert.Equal(0, read.GetProperty("items").GetArrayLength());
        Assert.Equal(0m, read.GetProperty("total").GetDecimal());
        Assert.Equal("USD", read.GetProperty("currency").GetString());
    }

    [Fact]
    public async Task IssuedIdsAreUnguessableAndNeverRepeat()
    {
        var client = api.CreateClient();

        var ids = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => ApiFactory.CreateCartAsync(client)));

        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(id.Length >= 43, $"{id} is too short to hold 128 random bits and a signature"));
        Assert.All(ids, id => Assert.True(CartIdLayout.IsCurrent(id), $"{id} is not of the format a cart grain activates without a read"));
    }

    [Fact]
    public async Task IdsOfTheFirstFormatStillOpenTheirCartsAndAnUnknownFormatIsNotFound()
    {
        // Arrange: an id as issued before the format byte (128 random bits, a tag over them), and an issued id
        // whose format byte is changed and signed again with the server's own key.
        var client = api.CreateClient();
        var key = Convert.FromBase64String(api.Services.GetRequiredService<IOptions<CartsOptions>>().Value.SigningKey!);
        var random = RandomNumberGenerator.GetBytes(16);
        var firstFormat = Base64Url.EncodeToString([.. random, .. HMACSHA256.HashData(key, random).AsSpan(0, 16)]);
        var issued = Base64Url.DecodeFromChars(await ApiFactory.CreateCartAsync(client));
        issued[0] = 2;
        var unknownFormat = Base64Url.EncodeToString([.. issued.AsSpan(0, 17), .. HMACSHA256.HashData(key, issued.AsSpan(0, 17)).AsSpan(0, 16)]);

        // Act
        var added = await client.PostAsJsonAsync($"/api/carts/{firstFormat}/items", new { sku = "ELEC-0004", quantity = 2 });
        var unknown = await client.GetAsync($"/api/carts/{unknownFormat}");

        // Assert
        Assert.Equal(43, firstFormat.Length);
        Assert.Equal(2, Assert.Single((await added.AssertOkJsonAsync()).GetProperty("items").EnumerateArray()).GetProperty("quantity").GetInt32());
        Assert.Single((await (await client.GetAsync($"/api/carts/{firstFormat}")).AssertOkJsonAsync()).GetProperty("items").EnumerateArray());
        await unknown.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("cart-1")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA_")]
    public async Task ACartIdTheServerDidNotIssueIsNotFoundOnEveryCartRouteAndCostsNoGrain(string forged)
    {
        var client = api.CreateClient();
        var json = JsonContent.Create(new { sku = "ELEC-0001", quantity = 1 });
        var checkout = new HttpRequestMessage(HttpMethod.Post, $"/api/carts/{forged}/checkout") { Headers = { { "Idempotency-Key", "k" } } };

        var responses = new[]
        {
            await client.GetAsync($"/api/carts/{forged}"),
            await client.PostAsync($"/api/carts/{forged}/items", json),
            await client.PutAsJsonAsync($"/api/carts/{forged}/items/ELEC-0001", new { quantity = 1 }),
            await client.DeleteAsync($"/api/carts/{forged}/items/ELEC-0001"),
            await client.DeleteAsync($"/api/carts/{forged}"),
            await client.SendAsync(checkout),
        };

        foreach (var response in responses)
        {
            await response.AssertProblemAsync(HttpStatusCode.NotFound);
        }

        var grains = api.Services.GetRequiredService<IGrainFactory>();
        Assert.Null(await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grains.GetGrain<ICartGrain>(forged)));
    }

    [Fact]
    public async Task AnIssuedIdWithOneCharacterChangedIsNotFound()
    {
        var client = api.CreateClient();
        var cartId = await ApiFactory.CartWithAsync(client, "ELEC-0003", 1);
        var altered = (cartId[0] == 'A' ? 'B' : 'A') + cartId[1..];

        await (await client.GetAsync($"/api/carts/{altered}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(1, (await (await client.GetAsync($"/api/carts/{cartId}")).AssertOkJsonAsync()).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task AnIssuedIdCutShortWithAStrayCharacterIsMalformedNotAServerError()
    {
        var client = api.CreateClient();
        var cartId = await ApiFactory.CreateCartAsync(client);

        // 43 characters and a newline: the length of an id, which the base64url decoder would read as 43 (it skips
        // white space) and refuse by throwing. Outside the identifier rules, so a 400 before any of that.
        await (await client.GetAsync($"/api/carts/{cartId[..^1]}%0A")).AssertValidationErrorAsync("cartId");
        await (await client.PostAsJsonAsync($"/api/carts/{cartId[..^1]}%0A/items", new { sku = "ELEC-0001", quantity = 1 }))
            .AssertValidationErrorAsync("cartId");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(42)]
    [InlineData(43)]
    public void AnIdWithACharacterOutsideBase64UrlWasNotIssued(int position)
    {
        var ids = api.Services.GetRequiredService<CartIds>();
        var issued = ids.Issue();

        Assert.True(ids.WasIssued(issued));
        foreach (var stray in "\n!.+/= ")
        {
            var id = issued.Remove(position, 1).Insert(position, stray.ToString());
            Assert.False(ids.WasIssued(id), $"'{id}' was taken for an issued id");
            Assert.False(ids.WasIssued(id[..^1] + "\n"));
        }
    }

    [Fact]
    public async Task AddingItemsAddsToTheLineAndPricesItAtTheCurrentCatalogPrice()
    {
        var sku = await api.CreateProductAsync(stock: 0, price: 2.50m);
        var client = api.CreateClient();
        var cartId = await ApiFactory.CreateCartAsync(client);

        await (await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku, quantity = 2 })).AssertOkJsonAsync();
        var cart = await (await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku, quantity = 3 })).AssertOkJsonAsync();

        var line = Assert.Single(cart.GetProperty("items").EnumerateArray());
        Assert.Equal(5, line.GetProperty("quantity").GetInt32());
        Assert.Equal(2.50m, line.GetProperty("unitPrice").GetDecimal());
        Assert.Equal(12.50m, line.GetProperty("lineTotal").GetDecimal());
        Assert.Equal(12.50m, cart.GetProperty("total").GetDecimal());
        Assert.False(string.IsNullOrEmpty(line.GetProperty("name").GetString()));
        Assert.Equal(System.Text.Json.JsonValueKind.String, cart.GetProperty("updatedAt").ValueKind);

        (await api.CreateAdminClient().PutAsJsonAsync($"/api/products/{sku}", new { name = "Repriced", category = "tests", price = 3.00m })).EnsureSuccessStatusCode();
        var repriced = await (await client.GetAsync($"/api/carts/{cartId}")).AssertOkJsonAsync();
        Assert.Equal(15.00m, repriced.GetProperty("total").GetDecimal());
    }

    [Theory]
    [InlineData("""{ "sku": "ELEC-0001", "quantity": 0 }""", "quantity")]
    [InlineData("""{ "sku": "ELEC-0001", "quantity": 100 }""", "quantity")]
    [InlineData("""{ "sku": "ELEC-0001" }""", "quantity")]
    [InlineData("""{ "sku": "bad sku", "quantity": 1 }""", "sku")]
    [InlineData("""{ "quantity": 1 }""", "sku")]
    public async Task AddingAnInvalidItemIsABadRequest(string json, string field)
    {
        var client = api.CreateClient();
        var cartId = await ApiFactory.CreateCartAsync(client);

        var response = await client.PostAsync($"/api/carts/{cartId}/items", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertValidationErrorAsync(field);
    }

    [Fact]
    public async Task AddingAnUnknownSkuIsNotFound()
    {
        var client = api.CreateClient();
        var cartId = await ApiFactory.CreateCartAsync(client);

        await (await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku = "NO-SUCH-SKU", quantity = 1 }))
            .AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ALineThatWouldExceedNinetyNineUnitsIsAConflictAndChangesNothing()
    {
        var client = api.CreateClient();
        var cartId = await ApiFactory.CartWithAsync(client, "HOME-0001", 90);

        await (await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku = "HOME-0001", quantity = 10 }))
            .AssertProblemAsync(HttpStatusCode.Conflict);

        var cart = await (await client.GetAsync($"/api/carts/{cartId}")).AssertOkJsonAsync();
        Assert.Equal(90, Assert.Single(cart.GetProperty("items").EnumerateArray()).GetProperty("quantity").GetInt32());
    }

    [Fact]
    public async Task AProductInAnotherCurrencyCannotJoinTheCart()
    {
        var admin = api.CreateAdminClient();
        var euro = $"EUR-{Guid.NewGuid():N}"[..20];
        (await admin.PutAsJsonAsync($"/api/products/{euro}", new { name = "Euro thing", category = "tests", price = 4.00m, currency = "EUR" })).EnsureSuccessStatusCode();
        var client = api.CreateClient();
        var cartId = await ApiFactory.CartWithAsync(client, "HOME-0002", 1);

        var problem = await (await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku = euro, quantity = 1 }))
            .AssertProblemAsync(HttpStatusCode.Conflict);

        Assert.EndsWith("currency-mismatch", problem.GetProperty("type").GetString());
        Assert.Single((await (await client.GetAsync($"/api/carts/{cartId}")).AssertOkJsonAsync()).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task ACartHoldsAtMostOneHundredLines()
    {
        var client = api.CreateClient();
        var cartId = await ApiFactory.CreateCartAsync(client);
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
        var cartId = await ApiFactory.CartWithAsync(client, "BOOK-0001", 1);
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
        var cartId = await ApiFactory.CartWithAsync(client, "GAME-0001", 1);
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
