using Doorbuster.Catalog;
using Doorbuster.Inventory;

namespace Doorbuster.Api.Hosting;

/// <summary>
/// Fills the embedded silo with a demo catalog (a few hundred products in several categories, with stock)
/// before the Api serves its first request.
/// </summary>
public sealed class DemoCatalogSeeder(IGrainFactory grains, ILogger<DemoCatalogSeeder> logger, string? generatedAdminKey) : IHostedService
{
    private static readonly string[] Categories = ["electronics", "toys", "home", "kitchen", "books", "outdoor", "fashion", "games"];
    private static readonly string[] Adjectives = ["Classic", "Turbo", "Eco", "Smart", "Deluxe", "Mini", "Pro", "Ultra", "Cozy", "Rugged"];
    private static readonly string[] Nouns = ["Widget", "Gadget", "Kit", "Set", "Bundle", "Station", "Pack", "Box"];

    public const int ProductsPerCategory = 40;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogWarning(
            "EMBEDDED MODE: no ConnectionStrings__Redis is set, so this process hosts its own silo with IN-MEMORY storage. " +
            "Nothing is persisted: every change is lost when the process exits.");
        if (generatedAdminKey is not null)
        {
            logger.LogWarning("EMBEDDED MODE: generated admin key for this run (send it as X-Api-Key): {AdminKey}", generatedAdminKey);
        }

        var random = new Random(20261127);
        var seeding = new List<Task>();
        foreach (var category in Categories)
        {
            for (var i = 1; i <= ProductsPerCategory; i++)
            {
                var sku = $"{category[..4].ToUpperInvariant()}-{i:D4}";
                var name = $"{Adjectives[random.Next(Adjectives.Length)]} {Nouns[random.Next(Nouns.Length)]} {i}";
                var price = Math.Round((decimal)(random.NextDouble() * 490 + 9.99), 2);
                var stock = random.Next(50, 501);
                seeding.Add(SeedAsync(sku, new ProductDetails(name, $"A demo {category} product.", category, price, "USD"), stock));
            }
        }

        seeding.Add(SeedAsync("DOORBUSTER-TV", new ProductDetails("Doorbuster 65\" TV", "The flash-sale item.", "electronics", 299.00m, "USD"), 100));
        await Task.WhenAll(seeding);
        logger.LogInformation("Seeded the demo catalog: {Count} products in {Categories} categories", seeding.Count, Categories.Length);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task SeedAsync(string sku, ProductDetails details, int stock)
    {
        await grains.GetGrain<IProductGrain>(sku).UpsertAsync(details);
        await grains.GetGrain<IInventoryGrain>(sku).RestockAsync(stock);
    }
}
