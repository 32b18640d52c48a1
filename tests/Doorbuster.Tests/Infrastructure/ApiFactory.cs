using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// The Api in embedded mode (its own silo, in-memory storage, demo catalog) behind the test server,
/// shared by the tests of the <see cref="ApiCollection"/>.
/// </summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Admin:ApiKey", AdminKey);
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
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFactory>
{
    public const string Name = "api";
}
