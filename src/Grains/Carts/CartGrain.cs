using Doorbuster.Persistence;

namespace Doorbuster.Carts;

/// <summary>A cart, written through to its own storage provider, whose entries expire when idle.</summary>
public sealed class CartGrain(
    [PersistentState("cart", StorageNames.Carts)] IPersistentState<CartState> state,
    TimeProvider time) : Grain, ICartGrain
{
    public Task<CartContents> GetAsync() => Task.FromResult(Contents());

    public Task<CartUpdate> AddAsync(string sku, int quantity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantity, 1);
        var current = state.State.Lines.Find(line => line.Sku == sku)?.Quantity ?? 0;
        return SetLineAsync(sku, current + quantity);
    }

    public Task<CartUpdate> SetQuantityAsync(string sku, int quantity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(quantity);
        return SetLineAsync(sku, quantity);
    }

    public async Task ClearAsync()
    {
        if (state.RecordExists || state.State.Lines.Count > 0)
        {
            await this.ClearOrDeactivateAsync(state);
        }

        state.State = new CartState();
    }

    public async Task RemoveOrderedAsync(CartLine[] ordered)
    {
        var lines = state.State.Lines;
        foreach (var taken in ordered)
        {
            var index = lines.FindIndex(line => line.Sku == taken.Sku);
            if (index < 0)
            {
                continue;
            }

            var left = lines[index].Quantity - taken.Quantity;
            if (left > 0)
            {
                lines[index] = lines[index] with { Quantity = left };
            }
            else
            {
                lines.RemoveAt(index);
            }
        }

        if (lines.Count == 0)
        {
            await ClearAsync();
            return;
        }

        state.State.UpdatedAt = time.GetUtcNow();
        await this.WriteOrDeactivateAsync(state);
    }

    private async Task<CartUpdate> SetLineAsync(string sku, int quantity)
    {
        var lines = state.State.Lines;
        var index = lines.FindIndex(line => line.Sku == sku);
        if (quantity > CartLimits.MaxLineQuantity)
        {
            return new CartUpdate(CartUpdateOutcome.LineQuantityExceeded, Contents());
        }

        if (index < 0 && quantity > 0 && lines.Count >= CartLimits.MaxLines)
        {
            return new CartUpdate(CartUpdateOutcome.TooManyLines, Contents());
        }

        if (quantity == 0)
        {
            if (index < 0)
            {
                return new CartUpdate(CartUpdateOutcome.Updated, Contents());
            }

            lines.RemoveAt(index);
        }
        else if (index < 0)
        {
            lines.Add(new CartLine(sku, quantity));
        }
        else
        {
            lines[index] = new CartLine(sku, quantity);
        }

        state.State.UpdatedAt = time.GetUtcNow();
        await this.WriteOrDeactivateAsync(state);

        return new CartUpdate(CartUpdateOutcome.Updated, Contents());
    }

    private CartContents Contents() => new([.. state.State.Lines], state.State.UpdatedAt);
}
