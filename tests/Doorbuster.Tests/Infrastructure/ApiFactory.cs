using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// The Api in embedded mode, as <c>dotnet run --project src/Api</c> starts it (its own silo on an
/// in-process Garnet with the production Redis providers, the demo catalog), in memory and on free ports,
/// behind the test server; shared by the tests of the <see cref="ApiCollection"/>.
/// </summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Admin:ApiKey", AdminKey);
        builder.UseSetting("Embedded:InMemory", "true");
        builder.UseSetting("Orleans:SiloPort", FreePorts.Next().ToString());
        builder.UseSetting("Orleans:GatewayPort", FreePorts.Next().ToString());
    }

    public HttpClient CreateAdminClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        return client;
    }

    /// <summary>Creates a product with stock under a fresh sku, through the admin routes.</summary>
    public async Task<string> CreateProductAsync(int stock, decimal price = 10.00m, string category = "tests")
    {
        var sku = $"T-{Guid.NewGuid():N}"[..20];
        using var admin = CreateAdminClient();
        (await admin.PutAsJsonAsync($"/api/products/{sku}", new { name = $"Test {sku}", description = "", category, price })).EnsureSuccessStatusCode();
        if (stock > 0)
        {
            (await admin.PostAsJsonAsync($"/api/inventory/{sku}/restock", new { quantity = stock })).EnsureSuccessStatusCode();
        }

        return sku;
    }

    /// <summary>Has the server issue a new cart; returns its id.</summary>
    public static async Task<string> CreateCartAsync(HttpClient client)
    {
        var response = await client.PostAsync("/api/carts", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("cartId").GetString()!;
    }

    /// <summary>A new cart holding <paramref name="quantity"/> units of <paramref name="sku"/>.</summary>
    public static async Task<string> CartWithAsync(HttpClient client, string sku, int quantity)
    {
        var cartId = await CreateCartAsync(client);
        (await client.PostAsJsonAsync($"/api/carts/{cartId}/items", new { sku, quantity })).EnsureSuccessStatusCode();
        return cartId;
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFactory>
{
    public const string Name = "api";
}
