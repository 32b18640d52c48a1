using System.Net;
using System.Net.Http.Json;
using Doorbuster.Api.Catalog;
using Doorbuster.Api.Diagnostics;
using Doorbuster.Api.FrontDoor;
using Doorbuster.Catalog;
using Doorbuster.Tests.Infrastructure;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;
using Polly.Registry;
using StackExchange.Redis;

namespace Doorbuster.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class CatalogApiTests(ApiFactory api)
{
    [Fact]
    public async Task AProductOfTheDemoCatalogIsServedWithEveryField()
    {
        var product = await (await api.CreateClient().GetAsync("/api/products/ELEC-0001")).AssertOkJsonAsync();

        Assert.Equal("ELEC-0001", product.GetProperty("sku").GetString());
        Assert.Equal("electronics", product.GetProperty("category").GetString());
        Assert.Equal("USD", product.GetProperty("currency").GetString());
        Assert.True(product.GetProperty("price").GetDecimal() > 0);
        Assert.Equal(1, product.GetProperty("version").GetInt64());
        Assert.False(string.IsNullOrEmpty(product.GetProperty("name").GetString()));
        Assert.True(product.TryGetProperty("description", out _));
    }

    [Fact]
    public async Task AnUnknownSkuIsNotFoundAndAMalformedOneIsABadRequest()
    {
        var client = api.CreateClient();

        await (await client.GetAsync("/api/products/NO-SUCH-SKU")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync("/api/products/bad%20sku")).AssertValidationErrorAsync("sku");
        await (await client.GetAsync($"/api/products/{new string('a', 65)}")).AssertValidationErrorAsync("sku");

        // .NET's regular expressions let "$" match before a final newline; the identifier rule does not.
        await (await client.GetAsync("/api/products/ELEC-0001%0A")).AssertValidationErrorAsync("sku");
        await (await client.GetAsync($"/api/products/{new string('a', 64)}%0A")).AssertValidationErrorAsync("sku");
    }

    [Fact]
    public async Task AnUnknownSkuLeavesNoProductActivationBehind()
    {
        // Arrange
        var sku = $"NONE-{Guid.NewGuid():N}"[..20];
        var grains = api.Services.GetRequiredService<IGrainFactory>();

        // Act
        await (await api.CreateClient().GetAsync($"/api/products/{sku}")).AssertProblemAsync(HttpStatusCode.NotFound);

        // Assert: gone within seconds, not Orleans' default collection age of a quarter of an hour.
        await Eventually.ReturnsAsync(
            () => Activations.ExistAsync(grains, grains.GetGrain<IProductGrain>(sku)),
            exists => !exists,
            TimeSpan.FromSeconds(10),
            $"the activation of product grain {sku}, which found no product, to be gone");
    }

    /// <summary>
    /// In an outage a near cache serves what it last saw; an unknown sku is not worth keeping for that (a flood of
    /// them would fill the bound and leave real products out), so it is a 503 like anything never seen. A near cache
    /// of the test's own, over this Api's cluster, is driven into the outage by opening its own circuit breaker.
    /// </summary>
    [Fact]
    public async Task InAnOutageAProductSeenBeforeIsServedButAnUnknownSkuSeenBeforeIsNot()
    {
        // Arrange: a near cache that has seen a product and an unknown sku.
        await using var services = new ServiceCollection().AddHybridCache().Services.BuildServiceProvider();
        var pipelines = new ResiliencePipelineRegistry<string>();
        pipelines.TryAddBuilder(ClusterBoundary.PipelineName, (pipeline, _) => ClusterBoundary.Configure(pipeline));
        var boundary = new ClusterBoundary(pipelines);
        var cache = new ProductCache(
            services.GetRequiredService<HybridCache>(), api.Services.GetRequiredService<IGrainFactory>(), boundary, api.Services.GetRequiredService<ApiMetrics>());
        var sku = await api.CreateProductAsync(stock: 0, price: 10.00m);
        var unknown = $"NONE-{Guid.NewGuid():N}"[..20];
        Assert.NotNull(await cache.GetProductAsync(sku, CancellationToken.None));
        Assert.Null(await cache.GetProductAsync(unknown, CancellationToken.None));
        await cache.ForgetEverythingAsync();

        // Act and Assert: each read right after the breaker opened (it lets a probe through after a second).
        await OpenBreakerAsync(boundary);
        Assert.Equal(10.00m, (await cache.GetProductAsync(sku, CancellationToken.None))?.Price);
        await OpenBreakerAsync(boundary);
        var outage = await Assert.ThrowsAnyAsync<Exception>(async () => await cache.GetProductAsync(unknown, CancellationToken.None));
        Assert.True(ClusterFailures.IsOutage(outage), $"unknown sku {unknown} in an outage: {outage}");
    }

    /// <summary>Feeds <paramref name="boundary"/> failed calls until its circuit breaker refuses the next at once.</summary>
    private static async Task OpenBreakerAsync(ClusterBoundary boundary)
    {
        for (var call = 0; call < 50; call++)
        {
            try
            {
                await boundary.ReadAsync<bool>(() => throw new TimeoutException("a cluster that does not answer"), CancellationToken.None);
            }
            catch (BrokenCircuitException)
            {
                return;
            }
            catch (TimeoutException)
            {
            }
        }

        Assert.Fail("The circuit breaker did not open after 50 failed calls.");
    }

    [Fact]
    public async Task ListingsArePagedOrderedBySkuAndFilteredByCategory()
    {
        var client = api.CreateClient();

        var page = await (await client.GetAsync("/api/products?category=toys&page=2&pageSize=15")).AssertOkJsonAsync();
        var skus = page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("sku").GetString()!).ToList();

        Assert.Equal(40, page.GetProperty("total").GetInt32());
        Assert.Equal(2, page.GetProperty("page").GetInt32());
        Assert.Equal(15, page.GetProperty("pageSize").GetInt32());
        Assert.Equal(15, skus.Count);
        Assert.Equal(skus.Order(StringComparer.Ordinal), skus);
        Assert.All(page.GetProperty("items").EnumerateArray(), p => Assert.Equal("toys", p.GetProperty("category").GetString()));
        Assert.Equal("TOYS-0016", skus[0]);

        var all = await (await client.GetAsync("/api/products")).AssertOkJsonAsync();
        Assert.True(all.GetProperty("total").GetInt32() >= 321);
        Assert.Equal(20, all.GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("category=bad%20category", "category")]
    [InlineData("category=toys%0A", "category")]
    public async Task ListingParametersOutOfRangeAreBadRequests(string query, string field)
    {
        await (await api.CreateClient().GetAsync($"/api/products?{query}")).AssertValidationErrorAsync(field);
    }

    [Fact]
    public async Task AListingParameterOfTheWrongTypeIsABadRequest()
    {
        await (await api.CreateClient().GetAsync("/api/products?page=abc")).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task UpsertNeedsTheAdminKey()
    {
        var body = new { name = "Kettle", description = "", category = "kitchen", price = 20.00m };
        var anonymous = api.CreateClient();
        var wrongKey = api.CreateClient();
        wrongKey.DefaultRequestHeaders.Add("X-Api-Key", "not-the-key");

        await (await anonymous.PutAsJsonAsync("/api/products/KETTLE-1", body)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await wrongKey.PutAsJsonAsync("/api/products/KETTLE-1", body)).AssertProblemAsync(HttpStatusCode.Unauthorized);

        // Refused as anonymous before the body is read: a malformed or invalid body does not make it a 400.
        await (await anonymous.PutAsync("/api/products/KETTLE-1", new StringContent("{", System.Text.Encoding.UTF8, "application/json")))
            .AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await anonymous.PutAsJsonAsync("/api/products/KETTLE-1", new { name = "", price = -1 })).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await anonymous.GetAsync("/api/products/KETTLE-1")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task UpsertCreatesThenUpdatesWithAnIncrementedVersionVisibleAtOnce()
    {
        var admin = api.CreateAdminClient();
        var sku = $"UP-{Guid.NewGuid():N}"[..20];

        var created = await (await admin.PutAsJsonAsync($"/api/products/{sku}", new { name = "Mug", description = "Blue", category = "kitchen", price = 9.99m }))
            .AssertOkJsonAsync();
        Assert.Equal(1, created.GetProperty("version").GetInt64());
        Assert.Equal("USD", created.GetProperty("currency").GetString());
        _ = await (await admin.GetAsync($"/api/products/{sku}")).AssertOkJsonAsync(); // warm the near cache

        var updated = await (await admin.PutAsJsonAsync($"/api/products/{sku}", new { name = "Mug", description = "Red", category = "home", price = 7.50m, currency = "EUR" }))
            .AssertOkJsonAsync();
        Assert.Equal(2, updated.GetProperty("version").GetInt64());

        var read = await (await admin.GetAsync($"/api/products/{sku}")).AssertOkJsonAsync();
        Assert.Equal(7.50m, read.GetProperty("price").GetDecimal());
        Assert.Equal("EUR", read.GetProperty("currency").GetString());
        var home = await (await admin.GetAsync("/api/products?category=home&pageSize=100")).AssertOkJsonAsync();
        var kitchen = await (await admin.GetAsync("/api/products?category=kitchen&pageSize=100")).AssertOkJsonAsync();
        Assert.Contains(home.GetProperty("items").EnumerateArray(), p => p.GetProperty("sku").GetString() == sku);
        Assert.DoesNotContain(kitchen.GetProperty("items").EnumerateArray(), p => p.GetProperty("sku").GetString() == sku);
    }

    [Fact]
    public async Task APriceWrittenWithTrailingZerosIsKeptAndAnsweredWithTwoDecimalsAtMost()
    {
        var admin = api.CreateAdminClient();
        var sku = $"TZ-{Guid.NewGuid():N}"[..20];

        var created = await admin.PutAsync(
            $"/api/products/{sku}",
            new StringContent("""{ "name": "Mug", "category": "kitchen", "price": 19.990000 }""", System.Text.Encoding.UTF8, "application/json"));
        var read = await admin.GetAsync($"/api/products/{sku}");

        // Money is a JSON number with at most two decimals: 19.99, not 19.990000 as a decimal would keep it.
        foreach (var response in (HttpResponseMessage[])[created, read])
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            Assert.Matches("\"price\":19\\.99[,}]", body);
        }
    }

    /// <summary>
    /// The push of this change cannot reach the Api (the hub it subscribed to is gone), and its near cache keeps an
    /// entry for a minute; the Api's catch-up with the hub's new activation makes it forget everything within about a second.
    /// </summary>
    [Fact]
    public async Task AChangeWhosePushWasLostWithTheHubIsServedAfterTheNextCatchUp()
    {
        // Arrange: a product in this instance's near cache.
        var client = api.CreateClient();
        var sku = await api.CreateProductAsync(stock: 0, price: 10.00m);
        Assert.Equal(10.00m, (await (await client.GetAsync($"/api/products/{sku}")).AssertOkJsonAsync()).GetProperty("price").GetDecimal());
        var grains = api.Services.GetRequiredService<IGrainFactory>();

        // Act: the hub's activation goes with this instance's subscription, and the product changes through its grain,
        // so that the Api does not forget the entry itself.
        await Activations.DeactivateAsync(grains, grains.GetGrain<ICatalogChangeHubGrain>(0));
        await grains.GetGrain<IProductGrain>(sku).UpsertAsync(new ProductDetails($"Test {sku}", "", "tests", 12.50m, "USD"));

        // Assert: well before the entry's expiry (ProductCache.TimeToLive).
        await Eventually.ReturnsAsync(
            async () => (await (await client.GetAsync($"/api/products/{sku}")).AssertOkJsonAsync()).GetProperty("price").GetDecimal(),
            price => price == 12.50m,
            3 * ProductChangeSubscriber.CatchUpPeriod,
            "the new price after the Api's next catch-up");
    }

    /// <summary>
    /// The product is stored but a listing cannot take it (its Redis key was rolled back, so its next write fails
    /// its etag check): the upsert answers "may have been applied" and its retry finds the product unchanged.
    /// Checkout charges the stored price already, so the near caches hear of it at once, not when the listing is
    /// repaired seconds later (ProductGrain's repair timer) or at their expiry.
    /// </summary>
    [Fact]
    public async Task AChangeWhoseListingCouldNotBeUpdatedIsStillPushedToTheNearCaches()
    {
        // Arrange: a product in this instance's near cache, alone in a category whose listing will refuse its next write.
        var client = api.CreateClient();
        var grains = api.Services.GetRequiredService<IGrainFactory>();
        var category = $"c{Guid.NewGuid():N}"[..20];
        var sku = await api.CreateProductAsync(stock: 0, price: 10.00m, category);

        // The creation's own catch-up forgets the entry within a period, and nothing outside the subscriber says when.
        await Task.Delay(2 * ProductChangeSubscriber.CatchUpPeriod);
        Assert.Equal(10.00m, (await (await client.GetAsync($"/api/products/{sku}")).AssertOkJsonAsync()).GetProperty("price").GetDecimal());
        var listing = grains.GetGrain<ICatalogIndexGrain>(category);
        await RolledBackKeys.RollBackAsync(
            api.Services.GetRequiredService<IConnectionMultiplexer>(),
            category,
            () => listing.UpsertAsync(new ProductSnapshot($"{sku}-B", "Other", "", category, 1.00m, "USD", 1)));

        // Act: the change goes through the grain, so that the Api does not forget the entry itself; then the retry.
        var product = grains.GetGrain<IProductGrain>(sku);
        var changed = new ProductDetails($"Test {sku}", "", category, 12.50m, "USD");
        var failed = await Assert.ThrowsAsync<StoreUnavailableException>(() => product.UpsertAsync(changed));
        Assert.True(failed.MayHaveBeenApplied, $"the upsert of {sku} failed after its product was stored");
        await product.UpsertAsync(changed);

        // Assert: within the contract's second, well before the listing's repair.
        await Eventually.ReturnsAsync(
            async () => (await (await client.GetAsync($"/api/products/{sku}")).AssertOkJsonAsync()).GetProperty("price").GetDecimal(),
            price => price == 12.50m,
            ProductChangeSubscriber.CatchUpPeriod,
            $"the new price of {sku} in the near cache of an Api that did not write it");
    }

    [Fact]
    public async Task RepeatingAnUpsertChangesNothingAndKeepsTheVersion()
    {
        var admin = api.CreateAdminClient();
        var sku = $"IDEM-{Guid.NewGuid():N}"[..20];
        var body = new { name = "Lamp", description = "Warm", category = "home", price = 19.99m };

        var first = await (await admin.PutAsJsonAsync($"/api/products/{sku}", body)).AssertOkJsonAsync();
        var again = await (await admin.PutAsJsonAsync($"/api/products/{sku}", body)).AssertOkJsonAsync();

        Assert.Equal(1, first.GetProperty("version").GetInt64());
        Assert.Equal(first.GetRawText(), again.GetRawText());
    }

    [Theory]
    [InlineData("""{ "description": "", "category": "home", "price": 1 }""", "name")]
    [InlineData("""{ "name": "", "category": "home", "price": 1 }""", "name")]
    [InlineData("""{ "name": "x", "category": "bad category", "price": 1 }""", "category")]
    [InlineData("""{ "name": "x", "category": "home", "price": 0 }""", "price")]
    [InlineData("""{ "name": "x", "category": "home", "price": 1000000.01 }""", "price")]
    [InlineData("""{ "name": "x", "category": "home", "price": 1.234 }""", "price")]
    [InlineData("""{ "name": "x", "category": "home" }""", "price")]
    [InlineData("""{ "name": "x", "category": "home", "price": 1, "currency": "usd" }""", "currency")]
    [InlineData("""{ "name": "x", "category": "home", "price": 1, "currency": "USD\n" }""", "currency")]
    [InlineData("""{ "name": "x", "category": "home\n", "price": 1 }""", "category")]
    public async Task UpsertRejectsInvalidFieldsAndChangesNothing(string json, string field)
    {
        var admin = api.CreateAdminClient();
        var sku = $"BAD-{Guid.NewGuid():N}"[..20];

        var response = await admin.PutAsync($"/api/products/{sku}", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertValidationErrorAsync(field);
        await (await admin.GetAsync($"/api/products/{sku}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ADescriptionOfMoreThanFourThousandCharactersIsRejected()
    {
        var response = await api.CreateAdminClient().PutAsJsonAsync(
            "/api/products/LONG-1", new { name = "x", description = new string('d', 4001), category = "home", price = 1 });

        await response.AssertValidationErrorAsync("description");
    }
}
