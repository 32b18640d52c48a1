using Doorbuster.Carts;
using Doorbuster.Catalog;
using Doorbuster.Diagnostics;
using Doorbuster.Inventory;
using Doorbuster.Persistence;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Doorbuster.Orders;

/// <summary>
/// The checkout saga: store the intent (<see cref="OrderStatus.Reserving"/>), reserve every line in parallel,
/// then store <see cref="OrderStatus.PendingPayment"/> and take the lines out of the cart, or release what
/// was reserved and store <see cref="OrderStatus.Rejected"/>. A reminder registered with the intent brings
/// the order back after a crash and expires it when its payment window closes.
/// </summary>
public sealed class OrderGrain(
    [PersistentState("order", StorageNames.Orders)] IPersistentState<OrderState> state,
    IOptions<CheckoutOptions> options,
    TimeProvider time,
    DoorbusterMetrics metrics,
    ILogger<OrderGrain> logger) : Grain, IOrderGrain, IRemindable
{
    private const string Reminder = "order-expiry";

    private string OrderId => this.GetPrimaryKeyString();

    public async Task<CheckoutResult> CheckoutAsync(string cartId)
    {
        var order = state.State;
        switch (order.Status)
        {
            case OrderStatus.None:
                break;
            case OrderStatus.Reserving:
                // A previous attempt stopped half-way (its silo died): finish it with the stored lines.
                return await ReserveAsync(CheckoutOutcome.Created);
            case OrderStatus.Rejected:
                return new CheckoutResult(CheckoutOutcome.InsufficientStock, null, order.Shortages);
            default:
                await SettleCartAsync();
                return new CheckoutResult(CheckoutOutcome.Duplicate, await CurrentAsync(), []);
        }

        var cart = await GrainFactory.GetGrain<ICartGrain>(cartId).GetAsync();
        if (cart.Lines.Length == 0)
        {
            return new CheckoutResult(CheckoutOutcome.EmptyCart, null, []);
        }

        var products = await Task.WhenAll(cart.Lines.Select(line => GrainFactory.GetGrain<IProductGrain>(line.Sku).GetAsync()));
        var missing = cart.Lines.Where((_, i) => products[i] is null).Select(line => new Shortage(line.Sku, line.Quantity, 0)).ToArray();
        if (missing.Length > 0)
        {
            return new CheckoutResult(CheckoutOutcome.InsufficientStock, null, missing);
        }

        var now = time.GetUtcNow();
        order.CartId = cartId;
        order.Lines = [.. cart.Lines.Select((line, i) => new OrderLine(line.Sku, products[i]!.Name, products[i]!.Price, line.Quantity))];
        order.Currency = products[0]!.Currency;
        order.CreatedAt = now;
        order.ExpiresAt = now + options.Value.PaymentWindow;
        order.Status = OrderStatus.Reserving;
        await this.WriteOrDeactivateAsync(state);

        // Registered before anything is reserved, so that a crash from here on is always followed up.
        var dueTime = order.ExpiresAt - now;
        await this.RegisterOrUpdateReminder(Reminder, dueTime, TimeSpan.FromMinutes(1));
        return await ReserveAsync(CheckoutOutcome.Created);
    }

    public async Task<OrderSnapshot?> GetAsync() => await CurrentAsync();

    public async Task<OrderActionResult> PayAsync()
    {
        var order = state.State;
        if (order.Status == OrderStatus.PendingPayment && IsPastDeadline())
        {
            await ExpireAsync();
        }

        switch (order.Status)
        {
            case OrderStatus.Paid:
                return Result(OrderActionOutcome.Done);
            case OrderStatus.PendingPayment:
                break;
            case OrderStatus.Cancelled or OrderStatus.Expired:
                metrics.Payment("rejected");
                return Result(OrderActionOutcome.Conflict);
            default:
                return new OrderActionResult(OrderActionOutcome.NotFound, null);
        }

        var outcomes = await Task.WhenAll(order.Lines.Select(line => Inventory(line.Sku).ConfirmAsync(OrderId)));
        if (outcomes.All(o => o is SettlementOutcome.Confirmed or SettlementOutcome.AlreadyConfirmed))
        {
            await FinishAsync(OrderStatus.Paid, "paid");
            return Result(OrderActionOutcome.Done);
        }

        // The inventory already gave the units back (the window closed on its clock): the order expired.
        logger.LogWarning("Order {OrderId} could not be paid: its reservations were already returned ({Outcomes})", OrderId, string.Join(",", outcomes));
        await ExpireAsync();
        metrics.Payment("rejected");
        return Result(OrderActionOutcome.Conflict);
    }

    public async Task<OrderActionResult> CancelAsync()
    {
        var order = state.State;
        if (order.Status == OrderStatus.PendingPayment && IsPastDeadline())
        {
            await ExpireAsync();
        }

        switch (order.Status)
        {
            case OrderStatus.Cancelled:
                return Result(OrderActionOutcome.Done);
            case OrderStatus.PendingPayment:
                await ReleaseAllAsync();
                await FinishAsync(OrderStatus.Cancelled, "cancelled");
                return Result(OrderActionOutcome.Done);
            case OrderStatus.Paid or OrderStatus.Expired:
                return Result(OrderActionOutcome.Conflict);
            default:
                return new OrderActionResult(OrderActionOutcome.NotFound, null);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        switch (state.State.Status)
        {
            case OrderStatus.Reserving when IsPastDeadline():
                // Nobody came back to finish this checkout within its window: give everything back.
                await ReleaseAllAsync();
                await FinishAsync(OrderStatus.Expired, "expired");
                break;
            case OrderStatus.Reserving:
                await ReserveAsync(CheckoutOutcome.Created);
                break;
            case OrderStatus.PendingPayment when IsPastDeadline():
                await ExpireAsync();
                break;
            case OrderStatus.PendingPayment:
                await SettleCartAsync();
                break;
            default:
                await ForgetReminderAsync();
                break;
        }
    }

    private async Task<CheckoutResult> ReserveAsync(CheckoutOutcome success)
    {
        var order = state.State;
        var results = await Task.WhenAll(order.Lines.Select(line => Inventory(line.Sku).ReserveAsync(OrderId, line.Quantity, order.ExpiresAt)));
        if (results.All(r => r.Holds))
        {
            order.Status = OrderStatus.PendingPayment;
            await this.WriteOrDeactivateAsync(state);
            await SettleCartAsync();
            return new CheckoutResult(success, Snapshot(), []);
        }

        var shortages = order.Lines
            .Select((line, i) => (line, result: results[i]))
            .Where(x => !x.result.Holds)
            .Select(x => new Shortage(x.line.Sku, x.line.Quantity, x.result.Available))
            .ToArray();
        await ReleaseAllAsync();
        order.Shortages = shortages;
        order.Status = OrderStatus.Rejected;
        await this.WriteOrDeactivateAsync(state);
        await ForgetReminderAsync();
        return new CheckoutResult(CheckoutOutcome.InsufficientStock, null, shortages);
    }

    private async Task<OrderSnapshot?> CurrentAsync()
    {
        if (state.State.Status == OrderStatus.PendingPayment && IsPastDeadline())
        {
            await ExpireAsync();
        }

        return Snapshot();
    }

    private async Task ExpireAsync()
    {
        await ReleaseAllAsync();
        await FinishAsync(OrderStatus.Expired, "expired");
    }

    private async Task FinishAsync(OrderStatus status, string outcome)
    {
        state.State.Status = status;
        await this.WriteOrDeactivateAsync(state);
        metrics.Payment(outcome);
        await ForgetReminderAsync();
    }

    private Task ReleaseAllAsync() =>
        Task.WhenAll(state.State.Lines.Select(line => Inventory(line.Sku).ReleaseAsync(OrderId)));

    /// <summary>Takes the ordered lines out of the cart, once; lines added since stay.</summary>
    private async Task SettleCartAsync()
    {
        var order = state.State;
        if (order.CartSettled || order.Status is OrderStatus.Reserving or OrderStatus.Rejected or OrderStatus.None)
        {
            return;
        }

        await GrainFactory.GetGrain<ICartGrain>(order.CartId)
            .RemoveOrderedAsync([.. order.Lines.Select(line => new CartLine(line.Sku, line.Quantity))]);
        order.CartSettled = true;
        await this.WriteOrDeactivateAsync(state);
    }

    private async Task ForgetReminderAsync()
    {
        if (await this.GetReminder(Reminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private bool IsPastDeadline() => time.GetUtcNow() >= state.State.ExpiresAt;

    private IInventoryGrain Inventory(string sku) => GrainFactory.GetGrain<IInventoryGrain>(sku);

    private OrderActionResult Result(OrderActionOutcome outcome) => new(outcome, Snapshot());

    private OrderSnapshot? Snapshot()
    {
        var order = state.State;
        return order.Status is OrderStatus.None or OrderStatus.Reserving or OrderStatus.Rejected
            ? null
            : new OrderSnapshot(OrderId, order.CartId, order.Status, order.Lines, order.Currency, order.CreatedAt, order.ExpiresAt);
    }
}
