using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Doorbuster.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

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

    [Fact]
    public async Task BeyondItsBudgetBrowsingIsShedWith429AndRetryAfterWhileCheckoutKeepsItsOwn()
    {
        // Arrange: a real server with a browsing budget of one request, held by a request whose body is still coming.
        await using var throttled = api.WithWebHostBuilder(builder => builder.UseSetting("Admission:BrowseConcurrency", "1"));
        var port = FreePorts.Next();
        throttled.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        throttled.StartServer();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var heldCart = await ApiFactory.CreateCartAsync(client);
        var emptyCart = await ApiFactory.CreateCartAsync(client);
        using var held = new TcpClient();
        await held.ConnectAsync(IPAddress.Loopback, port);
        var stream = held.GetStream();
        const string json = """{ "sku": "ELEC-0001", "quantity": 1 }""";

        // The server answers "100 Continue" only once the endpoint reads the body, i.e. after admission let it in.
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /api/carts/{heldCart}/items HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {json.Length}\r\nExpect: 100-continue\r\n\r\n"));
        var interim = new byte[25];
        await stream.ReadExactlyAsync(interim);
        Assert.Equal("HTTP/1.1 100 Continue\r\n\r\n", Encoding.ASCII.GetString(interim));

        // Act
        var shed = await client.GetAsync("/api/products/ELEC-0001");
        var checkout = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/carts/{emptyCart}/checkout") { Headers = { { "Idempotency-Key", "k" } } });

        // Assert
        await shed.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.True(shed.Headers.RetryAfter is not null, "a 429 must carry Retry-After");
        var refused = await checkout.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.EndsWith("empty-cart", refused.GetProperty("type").GetString());
        await stream.WriteAsync(Encoding.ASCII.GetBytes(json));
        var reply = new byte[12];
        await stream.ReadExactlyAsync(reply);
        Assert.Equal("HTTP/1.1 200", Encoding.ASCII.GetString(reply));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/products/ELEC-0001")).StatusCode);
    }
}
