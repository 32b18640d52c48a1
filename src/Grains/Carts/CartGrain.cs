using Doorbuster.Catalog;
using Doorbuster.Diagnostics;
using Doorbuster.Hosting;
using Doorbuster.Orders;
using Doorbuster.Persistence;
using Doorbuster.Sales;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;

namespace Doorbuster.Carts;

/// <summary>
/// A cart, written through to Redis (<see cref="CheckoutStore"/>) with a 7-day expiry renewed by every
/// write. Every change is one call that checks the cart's limits and currency and stores the result before
/// answering. The cart also runs its own checkout (<c>CartGrain.Checkout.cs</c>).
/// </summary>
/// <remarks>
/// Placed on the silo whose gateway the first call came through: a new cart costs no extra hop, and its
/// checkout is coordinated where its shopper's requests arrive. Not reentrant: while a checkout waits for
/// its holds, the cart's lines cannot change under it. Collected after 2 idle minutes instead of Orleans'
/// default 15: a checkout leaves an empty cart behind, and at thousands of checkouts a second a quarter of an
/// hour of them is millions of activations; a shopper back after a pause costs one read.
/// </remarks>
[CollectionAgeLimit(Minutes = 2)]
[PreferLocalPlacement]
public sealed partial class CartGrain(
    CheckoutStore store,
    CheckoutPrices prices,
    IOptions<CheckoutOptions> checkout,
    [FromKeyedServices(DomainClock.Key)] TimeProvider time,
    SaleGate saleGate,
    GrainMetrics metrics,
    ILogger<CartGrain> logger) : Grain, ICartGrain
{
    /// <summary>How many placed order ids a cart remembers (a client retries a checkout within minutes).</summary>
    private const int PlacedOrdersKept = 16;

    private CartState _cart = new();
    private long _version;

    private string CartId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => ReadAsync();

    public Task<CartContents> GetAsync() => Task.FromResult(Contents());

    public Task<CartUpdate> AddAsync(string sku, int quantity, string currency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantity, 1);
        var current = _cart.Lines.Find(line => line.Sku == sku)?.Quantity ?? 0;
        return SetLineAsync(sku, current + quantity, currency);
    }

    public Task<CartUpdate> SetQuantityAsync(string sku, int quantity, string currency)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(quantity);
        return SetLineAsync(sku, quantity, currency);
    }

    public async Task ClearAsync()
    {
        if (_cart.Lines.Count == 0)
        {
            return;
        }

        // Stored empty rather than deleted: the memory of placed orders outlives the lines (a late checkout retry
        // is answered with its order), the version keeps growing (a stale activation's write still fails), and a
        // cart of the earlier layout is never read from its old key again. The key expires with the cart.
        await StoreAsync(new CartState { UpdatedAt = time.GetUtcNow(), PlacedOrders = _cart.PlacedOrders });
    }

    private async Task<CartUpdate> SetLineAsync(string sku, int quantity, string currency)
    {
        var lines = _cart.Lines;
        var index = lines.FindIndex(line => line.Sku == sku);
        if (quantity > CartLimits.MaxLineQuantity)
        {
            return new CartUpdate(CartUpdateOutcome.LineQuantityExceeded, Contents());
        }

        if (quantity == 0 && index < 0)
        {
            return new CartUpdate(CartUpdateOutcome.Updated, Contents());
        }

        if (quantity > 0 && index < 0 && lines.Count >= CartLimits.MaxLines)
        {
            return new CartUpdate(CartUpdateOutcome.TooManyLines, Contents());
        }

        if (quantity > 0 && _cart.Currency is not null && _cart.Currency != currency && lines.Any(line => line.Sku != sku))
        {
            return new CartUpdate(CartUpdateOutcome.CurrencyMismatch, Contents());
        }

        var changed = new List<CartLine>(lines);
        if (quantity == 0)
        {
            changed.RemoveAt(index);
        }
        else if (index < 0)
        {
            changed.Add(new CartLine(sku, quantity));
        }
        else
        {
            changed[index] = new CartLine(sku, quantity);
        }

        await StoreAsync(new CartState
        {
            Lines = changed,
            Currency = changed.Count == 0 ? null : quantity == 0 ? _cart.Currency : currency,
            UpdatedAt = time.GetUtcNow(),
            PlacedOrders = _cart.PlacedOrders,
        });
        return new CartUpdate(CartUpdateOutcome.Updated, Contents());
    }

    private async Task ReadAsync()
    {
        var stored = await store.ReadCartAsync(CartId, this.GetGrainId());
        (_cart, _version) = stored is null ? (new CartState(), 0) : (stored.State, stored.Version);
    }

    /// <summary>
    /// Stores <paramref name="next"/> and makes it the cart in memory once Redis holds it. When the write fails the
    /// activation is dropped, so that a change Redis may hold is not hidden by memory: the next activation re-reads
    /// what Redis has.
    /// </summary>
    private async Task StoreAsync(CartState next)
    {
        try
        {
            _version = await store.WriteCartAsync(CartId, _version, next);
        }
        catch (Exception exception)
        {
            DeactivateOnIdle();
            throw StoreFailures.Classify(exception);
        }

        _cart = next;
    }

    private CartContents Contents() => new([.. _cart.Lines], _cart.Currency, _cart.UpdatedAt);
}
