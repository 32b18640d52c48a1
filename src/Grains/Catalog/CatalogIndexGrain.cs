using Doorbuster.Persistence;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Doorbuster.Catalog;

/// <summary>
/// A listing of products ordered by sku. It holds the product snapshots themselves so that a page is one
/// grain call; the Api's near cache keeps the hot pages, so this grain sees few reads. Changes are
/// group-committed: a bulk load of thousands of products writes the listing a few times, not once each.
/// </summary>
[Reentrant]
public sealed class CatalogIndexGrain(
    [PersistentState("index", StorageNames.Catalog)] IPersistentState<CatalogIndexState> state,
    ILogger<CatalogIndexGrain> logger) : Grain, ICatalogIndexGrain
{
    private SortedList<string, ProductSnapshot> _sorted = new(StringComparer.Ordinal);
    private GroupCommit _commit = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _sorted = new SortedList<string, ProductSnapshot>(state.State.Products, StringComparer.Ordinal);
        _commit = new GroupCommit(state.WriteStateAsync, OnWriteFailed);
        return Task.CompletedTask;
    }

    public Task UpsertAsync(ProductSnapshot product)
    {
        _commit.ThrowIfBroken();
        if (_sorted.TryGetValue(product.Sku, out var current) && current.Version >= product.Version)
        {
            return _commit.WhenStoredAsync();
        }

        state.State.Products[product.Sku] = product;
        _sorted[product.Sku] = product;
        return _commit.CommitAsync();
    }

    public Task RemoveAsync(string sku, long version)
    {
        _commit.ThrowIfBroken();
        if (!_sorted.TryGetValue(sku, out var current) || current.Version >= version)
        {
            return _commit.WhenStoredAsync();
        }

        _sorted.Remove(sku);
        state.State.Products.Remove(sku);
        return _commit.CommitAsync();
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

    private void OnWriteFailed(Exception exception)
    {
        logger.LogWarning(exception, "A write of catalog index {Index} failed; the activation is dropped and the next one re-reads Redis", this.GetPrimaryKeyString());
        DeactivateOnIdle();
    }
}
