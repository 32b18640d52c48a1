using Doorbuster.Diagnostics;
using Doorbuster.Persistence;
using Microsoft.Extensions.Logging;

namespace Doorbuster.Catalog;

/// <summary>
/// One product. Reads are served from the activation (the L1 cache); an upsert is stored before it is
/// acknowledged, then the catalog indexes and the Api near caches are told. Upserting what is already
/// stored changes nothing (the version stays), so a retried upsert is harmless; it still tells the near
/// caches when this activation cannot be sure they were told of the stored version.
/// </summary>
/// <remarks>
/// The indexes follow the product, not the other way round: when they cannot be told, the upsert answers
/// "may have been applied", and the grain keeps retrying (a timer while active, a reminder across silo
/// failures) until every index lists the stored version; a retried upsert repairs them as well. Index
/// updates are idempotent by version, so repeating them is always safe. The near caches are told of a
/// stored version at once all the same: checkout already charges it, so a listing that lags must not keep
/// the old price on the product pages of the other Api instances.
/// </remarks>
public sealed class ProductGrain(
    [PersistentState("product", StorageNames.Catalog)] IPersistentState<ProductState> state,
    GrainMetrics metrics,
    ILogger<ProductGrain> logger) : Grain, IProductGrain, IRemindable
{
    private const string ReindexReminder = "reindex";
    private static readonly TimeSpan RepairInterval = TimeSpan.FromSeconds(5);

    private bool _servedSinceLoad;
    private IGrainTimer? _repair;

    /// <summary>
    /// The version that the hub was told of after every listing held it. A new activation starts at 0: it cannot
    /// know how far its predecessor got, so its first upsert tells the hub again (a push more is harmless).
    /// </summary>
    private long _announcedVersion;

    public Task<ProductSnapshot?> GetAsync()
    {
        // The first read of an activation paid for the load from storage: that is the grain-level miss.
        metrics.ProductRead(servedFromMemory: _servedSinceLoad);
        _servedSinceLoad = true;
        var snapshot = Snapshot();
        if (snapshot is null)
        {
            // Unknown skus are unbounded (a 404 flood of random ones): an activation each, kept for the default
            // collection age, would fill the silo. The Api's near cache remembers the "none", so repeats stay rare.
            this.DeactivateOnIdle();
        }

        return Task.FromResult(snapshot);
    }

    public async Task<ProductSnapshot> UpsertAsync(ProductDetails details)
    {
        var product = state.State;
        var unchanged = product.Version > 0
            && product.Name == details.Name
            && product.Description == details.Description
            && product.Category == details.Category
            && product.Price == details.Price
            && product.Currency == details.Currency;
        if (!unchanged)
        {
            if (product.Version > 0 && product.Category != details.Category)
            {
                product.PreviousCategory = product.Category;
            }

            product.Name = details.Name;
            product.Description = details.Description;
            product.Category = details.Category;
            product.Price = details.Price;
            product.Currency = details.Currency;
            product.Version++;
            await this.WriteOrDeactivateAsync(state);
        }

        try
        {
            await IndexAsync();
        }
        catch (Exception exception)
        {
            StartRepair(exception);

            // The product is stored and checkout charges it already: its page must not wait for the listings.
            await PublishAsync();
            throw new StoreUnavailableException(
                mayHaveBeenApplied: true, "The product was stored but the catalog listings could not be updated yet; they are being repaired. Retry to confirm.", exception);
        }

        if (_announcedVersion != product.Version)
        {
            await AnnounceAsync();
        }

        return Snapshot()!;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ReindexReminder)
        {
            await RepairAsync(CancellationToken.None);
        }
    }

    private async Task IndexAsync()
    {
        var snapshot = Snapshot()!;
        var updates = new List<Task>
        {
            GrainFactory.GetGrain<ICatalogIndexGrain>(CatalogIndexKeys.All).UpsertAsync(snapshot),
            GrainFactory.GetGrain<ICatalogIndexGrain>(snapshot.Category).UpsertAsync(snapshot),
        };
        if (state.State.PreviousCategory is { } previous && previous != snapshot.Category)
        {
            updates.Add(GrainFactory.GetGrain<ICatalogIndexGrain>(previous).RemoveAsync(snapshot.Sku, snapshot.Version));
        }

        await Task.WhenAll(updates);
    }

    private void StartRepair(Exception exception)
    {
        logger.LogWarning(exception, "The catalog listings of product {Sku} could not be updated; repairing them in the background", this.GetPrimaryKeyString());
        _repair ??= this.RegisterGrainTimer(RepairAsync, new GrainTimerCreationOptions(RepairInterval, RepairInterval));
        _ = RegisterRepairReminderAsync();
    }

    private async Task RegisterRepairReminderAsync()
    {
        try
        {
            await this.RegisterOrUpdateReminder(ReindexReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Could not register the reindex reminder of product {Sku}; the timer goes on while the grain is active", this.GetPrimaryKeyString());
        }
    }

    private async Task RepairAsync(CancellationToken cancellationToken)
    {
        if (state.State.Version == 0)
        {
            return;
        }

        try
        {
            await IndexAsync();
        }
        catch (Exception exception)
        {
            logger.LogDebug(exception, "Catalog listings of product {Sku} still cannot be updated", this.GetPrimaryKeyString());
            return;
        }

        _repair?.Dispose();
        _repair = null;
        if (await this.GetReminder(ReindexReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        await AnnounceAsync();
    }

    /// <summary>Tells the near caches of the stored version once every listing holds it (its pages changed too).</summary>
    private async Task AnnounceAsync()
    {
        var version = state.State.Version;
        if (await PublishAsync())
        {
            _announcedVersion = version;
        }
    }

    /// <summary>Tells the Api near caches; one that misses the push catches up within a second, and a hub that was away starts a new epoch that makes them forget everything.</summary>
    private async Task<bool> PublishAsync()
    {
        try
        {
            await GrainFactory.GetGrain<ICatalogChangeHubGrain>(0).PublishAsync(this.GetPrimaryKeyString());
            return true;
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Could not publish the change of product {Sku}; near caches forget everything when the hub is back, or at their entries' expiry, unless an upsert publishes it first", this.GetPrimaryKeyString());
            return false;
        }
    }

    private ProductSnapshot? Snapshot()
    {
        var product = state.State;
        return product.Version == 0
            ? null
            : new ProductSnapshot(
                this.GetPrimaryKeyString(), product.Name, product.Description, product.Category, product.Price, product.Currency, product.Version);
    }
}
