using Doorbuster.Inventory;
using Doorbuster.Persistence;

namespace Doorbuster.Bench;

/// <summary>The baseline: the same stock movements, but one Redis write per call, calls one at a time.</summary>
[Alias("Doorbuster.Bench.INaiveInventoryGrain")]
public interface INaiveInventoryGrain : IGrainWithStringKey
{
    [Alias("Restock")]
    Task RestockAsync(int quantity);

    [Alias("Reserve")]
    Task<bool> ReserveAsync(string orderId, int quantity, DateTimeOffset expiresAt);

    [Alias("Confirm")]
    Task ConfirmAsync(string orderId);
}

public sealed class NaiveInventoryGrain(
    [PersistentState("naive-stock", StorageNames.Inventory)] IPersistentState<InventoryState> state) : Grain, INaiveInventoryGrain
{
    private const int MaxSettled = 2_000;

    public async Task RestockAsync(int quantity)
    {
        state.State.Available += quantity;
        state.State.TotalRestocked += quantity;
        await state.WriteStateAsync();
    }

    public async Task<bool> ReserveAsync(string orderId, int quantity, DateTimeOffset expiresAt)
    {
        if (state.State.Available < quantity)
        {
            return false;
        }

        state.State.Available -= quantity;
        state.State.Reservations[orderId] = new Reservation(quantity, expiresAt);
        await state.WriteStateAsync();
        return true;
    }

    public async Task ConfirmAsync(string orderId)
    {
        if (state.State.Reservations.Remove(orderId, out var reservation))
        {
            state.State.Sold += reservation.Quantity;
            state.State.Settled[orderId] = new Settlement(true, DateTimeOffset.UtcNow);
            if (state.State.Settled.Count > MaxSettled)
            {
                state.State.Settled.Remove(state.State.Settled.MinBy(entry => entry.Value.SettledAt).Key);
            }

            await state.WriteStateAsync();
        }
    }
}
