using Doorbuster.Diagnostics;
using Doorbuster.Persistence;

namespace Doorbuster.Catalog;

/// <summary>
/// One product. Reads are served from the activation (the L1 cache); an upsert is stored before it is
/// acknowledged, then the catalog indexes and the Api near caches are told.
/// </summary>
public sealed class ProductGrain(
    [PersistentState("product", StorageNames.Catalog)] IPersistentState<ProductState> state,
    DoorbusterMetrics metrics) : Grain, IProductGrain
{
    private bool _servedSinceLoad;

    public Task<ProductSnapshot?> GetAsync()
    {
        // The first read of an activation paid for the load from storage: that is the grain-level miss.
        metrics.CacheLookup(CacheLevels.Grain, hit: _servedSinceLoad);
        _servedSinceLoad = true;
        return Task.FromResult(Snapshot());
    }

    public async Task<ProductSnapshot> UpsertAsync(ProductDetails details)
    {
        var previousCategory = state.State.Version > 0 ? state.State.Category : null;
        var product = state.State;
        product.Name = details.Name;
        product.Description = details.Description;
        product.Category = details.Category;
        product.Price = details.Price;
        product.Currency = details.Currency;
        product.Version++;
        await this.WriteOrDeactivateAsync(state);

        var snapshot = Snapshot()!;
        var indexUpdates = new List<Task>
        {
            GrainFactory.GetGrain<ICatalogIndexGrain>(CatalogIndexKeys.All).UpsertAsync(snapshot),
            GrainFactory.GetGrain<ICatalogIndexGrain>(snapshot.Category).UpsertAsync(snapshot),
        };
        if (previousCategory is not null && previousCategory != snapshot.Category)
        {
            indexUpdates.Add(GrainFactory.GetGrain<ICatalogIndexGrain>(previousCategory).RemoveAsync(snapshot.Sku));
        }

        await Task.WhenAll(indexUpdates);
        await GrainFactory.GetGrain<ICatalogChangeHubGrain>(0).PublishAsync(snapshot.Sku);
        return snapshot;
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
