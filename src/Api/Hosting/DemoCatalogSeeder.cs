using Doorbuster.Catalog;
using Doorbuster.Inventory;
using Polly;
using Polly.Retry;
using StackExchange.Redis;

namespace Doorbuster.Api.Hosting;

/// <summary>
/// Fills an embedded silo with a demo catalog (a few hundred products in several categories, with stock)
/// before the Api serves its first request — once: a restart with the same data finds it there. Seeding is
/// idempotent anyway (an unchanged upsert changes nothing, restocks carry an idempotency key), so a run
/// interrupted half-way completes on the next start instead of doubling stock.
/// </summary>
public sealed class DemoCatalogSeeder(
    IGrainFactory grains,
    IConnectionMultiplexer redis,
    IConfiguration configuration,
    ILogger<DemoCatalogSeeder> logger,
    DemoCatalogSeeder.EmbeddedFacts facts) : IHostedService
{
    public const int ProductsPerCategory = 40;
    private const string RestockKey = "demo-catalog";

    /// <summary>
    /// A store hiccup on a slow machine at start-up is tried again, a few times: every seeding step is
    /// idempotent (an unchanged upsert changes nothing, the restock carries its key).
    /// </summary>
    private readonly ResiliencePipeline _seedRetry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = 4,
            Delay = TimeSpan.FromMilliseconds(200),
            BackoffType = DelayBackoffType.Linear,
            ShouldHandle = new PredicateBuilder().Handle<StoreUnavailableException>().Handle<TimeoutException>().Handle<OrleansException>(),
            OnRetry = retry =>
            {
                logger.LogWarning(retry.Outcome.Exception, "Seeding a demo product failed (attempt {Attempt}); trying again", retry.AttemptNumber + 1);
                return ValueTask.CompletedTask;
            },
        })
        .Build();

    private static readonly string[] Categories = ["electronics", "toys", "home", "kitchen", "books", "outdoor", "fashion", "games"];
    private static readonly string[] Adjectives = ["Classic", "Turbo", "Eco", "Smart", "Deluxe", "Mini", "Pro", "Ultra", "Cozy", "Rugged"];
    private static readonly string[] Nouns = ["Widget", "Gadget", "Kit", "Set", "Bundle", "Station", "Pack", "Box"];

    /// <summary>What embedded mode knows that the seeder reports: a generated admin key, if any.</summary>
    public sealed record EmbeddedFacts(string? GeneratedAdminKey);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (facts.GeneratedAdminKey is not null)
        {
            logger.LogWarning("EMBEDDED MODE: generated admin key for this run (send it as X-Api-Key): {AdminKey}", facts.GeneratedAdminKey);
        }

        var marker = $"{ClusterIdentity.ServiceId(configuration)}/embedded/demo-catalog-seeded";
        var database = redis.GetDatabase();
        if (await database.KeyExistsAsync(marker))
        {
            logger.LogInformation("The demo catalog was seeded before; keeping the data as it is");
            return;
        }

        var random = new Random(20261127);
        var products = new List<(string Sku, ProductDetails Details, int Stock)>();
        foreach (var category in Categories)
        {
            for (var i = 1; i <= ProductsPerCategory; i++)
            {
                var sku = $"{category[..4].ToUpperInvariant()}-{i:D4}";
                var name = $"{Adjectives[random.Next(Adjectives.Length)]} {Nouns[random.Next(Nouns.Length)]} {i}";
                var price = Math.Round((decimal)(random.NextDouble() * 490 + 9.99), 2);
                products.Add((sku, new ProductDetails(name, $"A demo {category} product.", category, price, "USD"), random.Next(50, 501)));
            }
        }

        products.Add(("DOORBUSTER-TV", new ProductDetails("Doorbuster 65\" TV", "The flash-sale item.", "electronics", 299.00m, "USD"), 100));
        await Parallel.ForEachAsync(
            products,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (product, token) => await SeedAsync(product.Sku, product.Details, product.Stock, token));
        await database.StringSetAsync(marker, DateTimeOffset.UtcNow.ToString("O"));
        logger.LogInformation("Seeded the demo catalog: {Count} products in {Categories} categories", products.Count, Categories.Length);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private ValueTask SeedAsync(string sku, ProductDetails details, int stock, CancellationToken cancellationToken) =>
        _seedRetry.ExecuteAsync(async _ =>
        {
            await grains.GetGrain<IProductGrain>(sku).UpsertAsync(details);
            await grains.GetGrain<IInventoryGrain>(sku).RestockAsync(stock, RestockKey);
        }, cancellationToken);
}
