using Orleans.Concurrency;

namespace Doorbuster.Sales;

/// <summary>
/// Every sale not yet ended, with its skus and start: what each silo's sale gate reads (once a second) to know
/// which checkouts need a ticket, so that a checkout outside any sale costs no call at all. One grain, keyed
/// <see cref="Key"/>; it changes only when an operator defines or ends a sale. A sku belongs to one such sale at
/// a time: the gate knows one sale per sku, so a second sale on it would switch the first one's queue off.
/// </summary>
[Alias("Doorbuster.Sales.ISaleDirectoryGrain")]
public interface ISaleDirectoryGrain : IGrainWithStringKey
{
    public const string Key = "all";

    [ReadOnly, Alias("GetActive")]
    Task<GatedSale[]> GetActiveAsync();

    /// <summary>
    /// Gates the sale's skus, unless another sale not yet ended holds one of them: then nothing changes, and the
    /// answer is that sale. One grain turn, so two sales defined at once cannot both take a sku.
    /// </summary>
    [Alias("Gate")]
    Task<GatedSale?> GateAsync(GatedSale sale);

    [Alias("Remove")]
    Task RemoveAsync(string saleId);
}

/// <summary>A sale whose skus need a ticket at checkout from <see cref="StartsAt"/> until it ends.</summary>
[GenerateSerializer, Immutable, Alias("Doorbuster.Sales.GatedSale")]
public sealed record GatedSale(string SaleId, string[] Skus, DateTimeOffset StartsAt);
