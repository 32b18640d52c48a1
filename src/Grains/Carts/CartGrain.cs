using Doorbuster.Hosting;
using Doorbuster.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Placement;

namespace Doorbuster.Carts;

/// <summary>
/// A cart, written through to its own storage provider, whose entries expire when idle. Every change is
/// one call that checks the cart's limits and currency and stores the result before answering.
/// </summary>
/// <remarks>
/// Placed on the silo whose gateway the first call came through: a new cart costs no extra hop.
/// </remarks>
[PreferLocalPlacement]
public sealed class CartGrain(
    [PersistentState("cart", StorageNames.Carts)] IPersistentState<CartState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider time) : Grain, ICartGrain
{
    /// <summary>How many settled order ids a cart remembers (a client retries a checkout within minutes).</summary>
    private const int SettledOrdersKept = 16;

    public Task<CartContents> GetAsync() => Task.FromResult(Contents());

    public Task<CartContents?> GetForCheckoutAsync(string orderId) =>
        Task.FromResult(state.State.SettledOrders.Contains(orderId) ? null : Contents());

    public Task<CartUpdate> AddAsync(string sku, int quantity, string currency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantity, 1);
        var current = state.State.Lines.Find(line => line.Sku == sku)?.Quantity ?? 0;
        return SetLineAsync(sku, current + quantity, currency);
    }

    public Task<CartUpdate> SetQuantityAsync(string sku, int quantity, string currency)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(quantity);
        return SetLineAsync(sku, quantity, currency);
    }

    public async Task ClearAsync()
    {
        var cart = state.State;
        if (cart.Lines.Count == 0)
        {
            return;
        }

        if (cart.SettledOrders.Count == 0)
        {
            await this.ClearOrDeactivateAsync(state);
            state.State = new CartState();
            return;
        }

        // The memory of settled orders outlives the lines, so that a late checkout retry takes nothing.
        cart.Lines.Clear();
        cart.Currency = null;
        cart.UpdatedAt = time.GetUtcNow();
        await this.WriteOrDeactivateAsync(state);
    }

    public async Task SettleCheckoutAsync(string orderId, CartLine[] ordered)
    {
        var cart = state.State;
        if (cart.SettledOrders.Contains(orderId))
        {
            return;
        }

        foreach (var taken in ordered)
        {
            var index = cart.Lines.FindIndex(line => line.Sku == taken.Sku);
            if (index >= 0)
            {
                var left = cart.Lines[index].Quantity - taken.Quantity;
                if (left > 0)
                {
                    cart.Lines[index] = cart.Lines[index] with { Quantity = left };
                }
                else
                {
                    cart.Lines.RemoveAt(index);
                }
            }
        }

        cart.SettledOrders.Add(orderId);
        if (cart.SettledOrders.Count > SettledOrdersKept)
        {
            cart.SettledOrders.RemoveAt(0);
        }

        Touch();
        await this.WriteOrDeactivateAsync(state);
    }

    private async Task<CartUpdate> SetLineAsync(string sku, int quantity, string currency)
    {
        var cart = state.State;
        var index = cart.Lines.FindIndex(line => line.Sku == sku);
        if (quantity > CartLimits.MaxLineQuantity)
        {
            return new CartUpdate(CartUpdateOutcome.LineQuantityExceeded, Contents());
        }

        if (quantity == 0)
        {
            if (index < 0)
            {
                return new CartUpdate(CartUpdateOutcome.Updated, Contents());
            }

            cart.Lines.RemoveAt(index);
        }
        else
        {
            if (index < 0 && cart.Lines.Count >= CartLimits.MaxLines)
            {
                return new CartUpdate(CartUpdateOutcome.TooManyLines, Contents());
            }

            if (cart.Currency is not null && cart.Currency != currency && cart.Lines.Any(line => line.Sku != sku))
            {
                return new CartUpdate(CartUpdateOutcome.CurrencyMismatch, Contents());
            }

            if (index < 0)
            {
                cart.Lines.Add(new CartLine(sku, quantity));
            }
            else
            {
                cart.Lines[index] = new CartLine(sku, quantity);
            }

            cart.Currency = currency;
        }

        Touch();
        await this.WriteOrDeactivateAsync(state);
        return new CartUpdate(CartUpdateOutcome.Updated, Contents());
    }

    private void Touch()
    {
        var cart = state.State;
        if (cart.Lines.Count == 0)
        {
            cart.Currency = null;
        }

        cart.UpdatedAt = time.GetUtcNow();
    }

    private CartContents Contents() => new([.. state.State.Lines], state.State.Currency, state.State.UpdatedAt);
}
