using Doorbuster.Persistence;

namespace Doorbuster.Sales;

/// <summary>The sales whose skus are gated at checkout (<see cref="ISaleDirectoryGrain"/>), stored with the catalog.</summary>
public sealed class SaleDirectoryGrain(
    [PersistentState("sale-directory", StorageNames.Catalog)] IPersistentState<SaleDirectoryState> state) : Grain, ISaleDirectoryGrain
{
    public Task<GatedSale[]> GetActiveAsync() => Task.FromResult(state.State.Sales.Values.ToArray());

    public async Task<GatedSale?> GateAsync(GatedSale sale)
    {
        foreach (var other in state.State.Sales.Values)
        {
            if (other.SaleId != sale.SaleId && other.Skus.Intersect(sale.Skus, StringComparer.Ordinal).Any())
            {
                return other;
            }
        }

        if (state.State.Sales.TryGetValue(sale.SaleId, out var known)
            && known.StartsAt == sale.StartsAt && known.Skus.SequenceEqual(sale.Skus, StringComparer.Ordinal))
        {
            return null;
        }

        state.State.Sales[sale.SaleId] = sale;
        await this.WriteOrDeactivateAsync(state);
        return null;
    }

    public async Task RemoveAsync(string saleId)
    {
        if (state.State.Sales.Remove(saleId))
        {
            await this.WriteOrDeactivateAsync(state);
        }
    }
}

[GenerateSerializer, Alias("Doorbuster.Sales.SaleDirectoryState")]
public sealed class SaleDirectoryState
{
    [Id(0)]
    public Dictionary<string, GatedSale> Sales { get; set; } = new(StringComparer.Ordinal);
}
