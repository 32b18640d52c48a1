using System.Net;
using System.Text;
using System.Net.Http.Json;
using System.Text.Json;
using Doorbuster.Carts;
using Doorbuster.Catalog;
using Doorbuster.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Doorbuster.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class FrontDoorTests(ApiFactory api)
{
    [Fact]
    public async Task ABodyOverSixtyFourKibibytesIsTooLarge()
    {
        var client = api.CreateClient();
        var cartId = await ApiFactory.CreateCartAsync(client);
        var json = JsonSerializer.Serialize(new { sku = new string('a', 70_000), quantity = 1 });

        var response = await client.PostAsync($"/api/carts/{cartId}/items", new StringContent(json, Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task AChunkedBodyOverSixtyFourKibibytesIsTooLargeWithTheContractsProblemType()
    {
        // On Kestrel: the test server does not stop reading a body at the limit.
        await using var kestrel = api.WithWebHostBuilder(_ => { });
        var port = FreePorts.Next();
        kestrel.UseKestrel(options => options.Listen(IPAddress.Loopback, port));
        kestrel.StartServer();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var cartId = await ApiFactory.CreateCartAsync(client);
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { sku = new string('a', 70_000), quantity = 1 }));

        // Sent chunked: there is no Content-Length to refuse up front, the server stops reading at the limit.
        var content = new StreamContent(new UnseekableStream(json));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/carts/{cartId}/items") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        var response = await client.SendAsync(request);

        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.EndsWith("/payload-too-large", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongContentTypeIsUnsupported()
    {
        var client = api.CreateClient();
        var cartId = await ApiFactory.CreateCartAsync(client);

        var response = await client.PostAsync(
            $"/api/carts/{cartId}/items", new StringContent("""{ "sku": "ELEC-0001", "quantity": 1 }""", Encoding.UTF8, "text/plain"));

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("""{ "sku": "ELEC-0001", """)]
    [InlineData("""{ "sku": "ELEC-0001", "quantity": "two" }""")]
    [InlineData("""{ "sku": "ELEC-0001", "quantity": "2" }""")]
    [InlineData("""{ "sku": "ELEC-0001", "quantity": 1.5 }""")]
    [InlineData("""{ "sku": 17, "quantity": 1 }""")]
    [InlineData("")]
    public async Task MalformedJsonOrAFieldOfTheWrongTypeIsABadRequestAndChangesNothing(string json)
    {
        var client = api.CreateClient();
        var cartId = await ApiFactory.CreateCartAsync(client);

        var response = await client.PostAsync($"/api/carts/{cartId}/items", new StringContent(json, Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        var cart = await (await client.GetAsync($"/api/carts/{cartId}")).AssertOkJsonAsync();
        Assert.Equal(0, cart.GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("application/json; charset=bogus", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/json; charset=\"utf-8\"", HttpStatusCode.OK)]
    [InlineData("application/json; charset=UTF-8", HttpStatusCode.OK)]
    public async Task ABodyIsReadInAnyCharsetTheServerKnowsAndOtherwiseIsUnsupportedAndChangesNothing(string contentType, HttpStatusCode expected)
    {
        var sku = await api.CreateProductAsync(stock: 0);
        var client = api.CreateClient();
        var cartId = await ApiFactory.CreateCartAsync(client);
        var content = new StringContent($$"""{ "sku": "{{sku}}", "quantity": 1 }""");
        content.Headers.Remove("Content-Type");
        Assert.True(content.Headers.TryAddWithoutValidation("Content-Type", contentType));

        var response = await client.PostAsync($"/api/carts/{cartId}/items", content);

        var cart = await (await client.GetAsync($"/api/carts/{cartId}")).AssertOkJsonAsync();
        if (expected == HttpStatusCode.OK)
        {
            await response.AssertOkJsonAsync();
            Assert.Equal(1, cart.GetProperty("items").GetArrayLength());
        }
        else
        {
            await response.AssertProblemAsync(expected);
            Assert.Equal(0, cart.GetProperty("items").GetArrayLength());
        }
    }

    [Fact]
    public async Task AnErrorIsAProblemDocumentWhateverTheClientAccepts()
    {
        var client = api.CreateClient();
        var cartId = await ApiFactory.CreateCartAsync(client);

        // A client that says it takes only text or HTML still gets the contract's problem document.
        using var malformed = new HttpRequestMessage(HttpMethod.Post, $"/api/carts/{cartId}/items")
        {
            Content = new StringContent("""{ "sku": """, Encoding.UTF8, "application/json"),
        };
        malformed.Headers.Accept.ParseAdd("text/plain");
        using var unknownRoute = new HttpRequestMessage(HttpMethod.Get, "/api/nothing-here");
        unknownRoute.Headers.Accept.ParseAdd("text/html");
        using var wrongType = new HttpRequestMessage(HttpMethod.Post, $"/api/carts/{cartId}/items")
        {
            Content = new StringContent("""{ "sku": "ELEC-0001", "quantity": 1 }""", Encoding.UTF8, "text/plain"),
        };
        wrongType.Headers.Accept.ParseAdd("application/xml");

        await (await client.SendAsync(malformed)).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await client.SendAsync(unknownRoute)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.SendAsync(wrongType)).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    /// <summary>
    /// Two grain calls of a cart add, each within the cluster boundary's budget per call, together past the
    /// request's 2 s: the request timeout answers, and the cart's change may have been applied (here it is).
    /// </summary>
    [Fact]
    public async Task AWriteCutOffByTheRequestBudgetIsA503ThatSaysItsChangeMayHaveBeenApplied()
    {
        var sku = $"SLOW-{Guid.NewGuid():N}"[..20];
        await using var slow = api.WithWebHostBuilder(builder => builder.ConfigureServices(services =>
            services.AddSingleton<IIncomingGrainCallFilter>(new SlowCallsOfOneSku(sku, TimeSpan.FromMilliseconds(1_200)))));
        var client = slow.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiFactory.AdminKey);
        (await client.PutAsJsonAsync($"/api/products/{sku}", new { name = "Slow", category = "tests", price = 1.00m })).EnsureSuccessStatusCode();
        var cartId = await ApiFactory.CreateCartAsync(client);

        var response = await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku, quantity = 1 });

        var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("unknown", problem.GetProperty("changeApplied").GetString());
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task HealthProbesAnswer()
    {
        var client = api.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task AnUnknownRouteIsANotFoundProblem()
    {
        await (await api.CreateClient().GetAsync("/api/nothing-here")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    /// <summary>Holds the product lookup of one sku and every cart add of it for a while before they run.</summary>
    private sealed class SlowCallsOfOneSku(string sku, TimeSpan delay) : IIncomingGrainCallFilter
    {
        public async Task Invoke(IIncomingGrainCallContext context)
        {
            var productLookup = context.InterfaceMethod.DeclaringType == typeof(IProductGrain) && context.MethodName == nameof(IProductGrain.GetAsync)
                && context.TargetId.Key.ToString() == sku;
            var cartAdd = context.InterfaceMethod.DeclaringType == typeof(ICartGrain) && context.MethodName == nameof(ICartGrain.AddAsync)
                && context.Request.GetArgument(0) as string == sku;
            if (productLookup || cartAdd)
            {
                await Task.Delay(delay);
            }

            await context.Invoke();
        }
    }

    /// <summary>A stream that cannot tell its length, so that the client sends it chunked.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
