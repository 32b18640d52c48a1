using Doorbuster.Persistence;

namespace Doorbuster.Catalog;

/// <summary>
/// A listing of products ordered by sku. It holds the product snapshots themselves so that a page is one
/// grain call; the Api's near cache keeps the hot pages, so this grain sees few reads.
/// </summary>
public sealed class CatalogIndexGrain(
    [PersistentState("index", StorageNames.Catalog)] IPersistentState<CatalogIndexState> state) : Grain, ICatalogIndexGrain
{
    private SortedList<string, ProductSnapshot> _sorted = new(StringComparer.Ordinal);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _sorted = new SortedList<string, ProductSnapshot>(state.State.Products, StringComparer.Ordinal);
        return Task.CompletedTask;
    }

    public async Task UpsertAsync(ProductSnapshot product)
    {
        if (_sorted.TryGetValue(product.Sku, out var current) && current.Version >= product.Version)
        {
            return;
        }

        state.State.Products[product.Sku] = product;
        _sorted[product.Sku] = product;
        await this.WriteOrDeactivateAsync(state);
    }

    public async Task RemoveAsync(string sku)
    {
        if (!_sorted.Remove(sku))
        {
            return;
        }

        state.State.Products.Remove(sku);
        await this.WriteOrDeactivateAsync(state);
    }

    public Task<CatalogPage> GetPageAsync(int page, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);

        var skip = (long)(page - 1) * pageSize;
        var items = skip >= _sorted.Count
            ? []
            : _sorted.Values.Skip((int)skip).Take(pageSize).ToArray();
        return Task.FromResult(new CatalogPage(items, page, pageSize, _sorted.Count));
    }
}
