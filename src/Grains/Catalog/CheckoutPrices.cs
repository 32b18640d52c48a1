using System.Collections.Concurrent;

namespace Doorbuster.Catalog;

/// <summary>
/// The products a silo's checkouts price their lines with: each product read from its grain at most once a
/// second per silo, so a flash sale's thousands of checkouts of one sku cost one product call a second, not
/// one each. A price is at most <see cref="TimeToLive"/> old — the staleness the contract allows any Api
/// instance; concurrent misses of one sku share one call.
/// </summary>
public sealed class CheckoutPrices(IGrainFactory grains, TimeProvider time)
{
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async Task<ProductSnapshot?> GetAsync(string sku)
    {
        var now = time.GetTimestamp();
        if (!_entries.TryGetValue(sku, out var entry) || time.GetElapsedTime(entry.LoadedAt, now) > TimeToLive)
        {
            var seen = entry;
            var fresh = new Entry(grains.GetGrain<IProductGrain>(sku).GetAsync(), now);
            entry = _entries.AddOrUpdate(sku, fresh, (_, current) => current == seen ? fresh : current);
        }

        try
        {
            return await entry.Product;
        }
        catch
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(sku, entry));
            throw;
        }
    }

    private sealed record Entry(Task<ProductSnapshot?> Product, long LoadedAt);
}
