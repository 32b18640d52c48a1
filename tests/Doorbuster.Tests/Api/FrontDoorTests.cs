using System.Net;
using System.Text;
using System.Text.Json;
using Doorbuster.Tests.Infrastructure;

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

    /// <summary>A stream that cannot tell its length, so that the client sends it chunked.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
