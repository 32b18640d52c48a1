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
/// hour of them is millions of activations; a shopper back after a pause costs one read. A cart of the current id
/// format (<see cref="CartIdLayout"/>) activates without reading Redis at all: the first call to a cart the Api has
/// just issued is its first add, which is then one write that also checks that nothing is stored yet.
/// </remarks>
[CollectionAgeLimit(Minutes = CollectionAges.PerShopperMinutes)]
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

    /// <summary>
    /// False while this activation has not read Redis: a cart of the current id format activates without a read
    /// (one the Api has just issued has nothing stored), and its first change is written as a new cart's.
    /// </summary>
    private bool _read;

    private string CartId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        CartIdLayout.IsCurrent(CartId) ? Task.CompletedTask : ReadAsync();

    public async Task<CartContents> GetAsync()
    {
        await EnsureReadAsync();
        return Contents();
    }

    public Task<CartUpdate> AddAsync(string sku, int quantity, string currency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantity, 1);
        return ChangeAsync(cart => WithLine(cart, sku, (cart.Lines.Find(line => line.Sku == sku)?.Quantity ?? 0) + quantity, currency));
    }

    public Task<CartUpdate> SetQuantityAsync(string sku, int quantity, string currency)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(quantity);
        return ChangeAsync(cart => WithLine(cart, sku, quantity, currency));
    }

    // Stored empty rather than deleted: the memory of placed orders outlives the lines (a late checkout retry is
    // answered with its order), the version keeps growing (a stale activation's write still fails), and a cart of
    // the earlier layout is never read from its old key again. The key expires with the cart.
    public Task ClearAsync() => ChangeAsync(cart => cart.Lines.Count == 0
        ? new CartChange(CartUpdateOutcome.Updated, null)
        : new CartChange(CartUpdateOutcome.Updated, cart.WithLines([], null, time.GetUtcNow())));

    /// <summary>
    /// Decides <paramref name="change"/> on the cart in memory and stores its outcome. An activation that has not
    /// read Redis stores it as a new cart's first write; when Redis holds a cart after all (an earlier activation
    /// was collected, or its silo left), that write changes nothing and answers the stored cart, on which the change
    /// is decided again. A change that stores nothing is decided on what Redis holds, read first.
    /// </summary>
    private async Task<CartUpdate> ChangeAsync(Func<CartState, CartChange> change)
    {
        var decided = change(_cart);
        if (!_read)
        {
            if (decided.Next is not null && await StoreNewAsync(decided.Next))
            {
                return new CartUpdate(decided.Outcome, Contents());
            }

            await EnsureReadAsync();
            decided = change(_cart);
        }

        if (decided.Next is not null)
        {
            await StoreAsync(decided.Next);
        }

        return new CartUpdate(decided.Outcome, Contents());
    }

    /// <summary>The cart with the line of <paramref name="sku"/> set to <paramref name="quantity"/>, or why it cannot be.</summary>
    private CartChange WithLine(CartState cart, string sku, int quantity, string currency)
    {
        var lines = cart.Lines;
        var index = lines.FindIndex(line => line.Sku == sku);
        if (quantity > CartLimits.MaxLineQuantity)
        {
            return new CartChange(CartUpdateOutcome.LineQuantityExceeded, null);
        }

        if (quantity == 0 && index < 0)
        {
            return new CartChange(CartUpdateOutcome.Updated, null);
        }

        if (quantity > 0 && index < 0 && lines.Count >= CartLimits.MaxLines)
        {
            return new CartChange(CartUpdateOutcome.TooManyLines, null);
        }

        if (quantity > 0 && cart.Currency is not null && cart.Currency != currency && lines.Any(line => line.Sku != sku))
        {
            return new CartChange(CartUpdateOutcome.CurrencyMismatch, null);
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

        return new CartChange(
            CartUpdateOutcome.Updated,
            cart.WithLines(changed, changed.Count == 0 ? null : quantity == 0 ? cart.Currency : currency, time.GetUtcNow()));
    }

    private Task EnsureReadAsync() => _read ? Task.CompletedTask : ReadAsync();

    private async Task ReadAsync()
    {
        metrics.CartRead();
        var stored = await store.ReadCartAsync(CartId, this.GetGrainId());
        (_cart, _version) = stored is null ? (new CartState(), 0) : (stored.State, stored.Version);
        _read = true;
    }

    /// <summary>Stores <paramref name="next"/> and makes it the cart in memory once Redis holds it.</summary>
    private async Task StoreAsync(CartState next)
    {
        _version = await WrittenAsync(store.WriteCartAsync(CartId, _version, next));
        _cart = next;
    }

    /// <summary>
    /// Stores <paramref name="next"/> as the cart's first write (<see cref="CheckoutStore.WriteNewCartAsync"/>).
    /// False when Redis holds the cart already: that is now the cart in memory, and nothing was stored.
    /// </summary>
    private async Task<bool> StoreNewAsync(CartState next)
    {
        var stored = await WrittenAsync(store.WriteNewCartAsync(CartId, next));
        _read = true;
        (_cart, _version) = stored is null ? (next, 1) : (stored.State, stored.Version);
        return stored is null;
    }

    /// <summary>
    /// The outcome of a write of the cart. When the write fails the activation is dropped, so that a change Redis
    /// may hold is not hidden by memory: the next activation re-reads what Redis has.
    /// </summary>
    private async Task<T> WrittenAsync<T>(Task<T> write)
    {
        try
        {
            return await write;
        }
        catch (Exception exception)
        {
            DeactivateOnIdle();
            throw StoreFailures.Classify(exception);
        }
    }

    private CartContents Contents() => new([.. _cart.Lines], _cart.Currency, _cart.UpdatedAt);

    /// <summary>What a change makes of the cart: its outcome, and the cart to store (<c>null</c>: nothing to store).</summary>
    private readonly record struct CartChange(CartUpdateOutcome Outcome, CartState? Next);
}
