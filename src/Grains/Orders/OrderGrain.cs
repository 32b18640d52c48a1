using Doorbuster.Carts;
using Doorbuster.Catalog;
using Doorbuster.Diagnostics;
using Doorbuster.Hosting;
using Doorbuster.Inventory;
using Doorbuster.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Doorbuster.Orders;

/// <summary>
/// The checkout saga and the order. Checkout reserves every line in parallel (idempotently, keyed by this
/// order's id), then stores the order and takes its lines out of the cart; a refused checkout stores
/// nothing. Every settlement — pay, cancel, expiry — is decided and stored here first and carried out on
/// the lines after, so a crash in between is finished by whoever comes next: a retry of the client, a
/// read, or an inventory grain asking what to do with an expired reservation.
/// </summary>
/// <remarks>
/// Round trips to Redis of one checkout: the order's activation read, one group-committed reservation
/// write per sku (shared with the other checkouts of that sku), the order write, the cart write. There is
/// no reminder per order: expiry is lazy here and driven by the inventory's own sweep (see docs/architecture.md).
/// </remarks>
public sealed class OrderGrain(
    [PersistentState("order", StorageNames.Orders)] IPersistentState<OrderState> state,
    IOptions<CheckoutOptions> options,
    IOptions<OrdersOptions> orders,
    [FromKeyedServices(DomainClock.Key)] TimeProvider time,
    GrainMetrics metrics,
    ILogger<OrderGrain> logger) : Grain, IOrderGrain
{
    private string OrderId => this.GetPrimaryKeyString();

    public async Task<CheckoutResult> CheckoutAsync(string cartId)
    {
        await ExpireIfDueAsync();
        if (state.State.Status != OrderStatus.None)
        {
            return await RepeatAsync();
        }

        var cart = await GrainFactory.GetGrain<ICartGrain>(cartId).GetForCheckoutAsync(OrderId);
        if (cart is null)
        {
            // The cart gave its lines to this very order, which this activation does not know: another one
            // placed it (while a silo fails, a grain can briefly have two). Answer with what Redis holds.
            await ReadStoredOrderAsync();
            await ExpireIfDueAsync();
            return state.State.Status != OrderStatus.None ? await RepeatAsync() : new CheckoutResult(CheckoutOutcome.EmptyCart, null, []);
        }

        if (cart.Lines.Length == 0)
        {
            return new CheckoutResult(CheckoutOutcome.EmptyCart, null, []);
        }

        var products = await Task.WhenAll(cart.Lines.Select(line => GrainFactory.GetGrain<IProductGrain>(line.Sku).GetAsync()));
        var unknown = cart.Lines.Where((_, i) => products[i] is null).Select(line => new Shortage(line.Sku, line.Quantity, 0)).ToArray();
        if (unknown.Length > 0)
        {
            return Refused(unknown);
        }

        var now = time.GetUtcNow();
        var expiresAt = Reservation.Precision(now + options.Value.PaymentWindow);
        var lines = cart.Lines.Select((line, i) => new OrderLine(line.Sku, products[i]!.Name, products[i]!.Price, line.Quantity)).ToArray();
        var shortages = await ReserveAllAsync(lines, expiresAt);
        if (shortages.Length > 0)
        {
            return Refused(shortages);
        }

        var order = state.State;
        order.Status = OrderStatus.PendingPayment;
        order.CartId = cartId;
        order.Lines = lines;
        order.Currency = products[0]!.Currency;
        order.CreatedAt = now;
        order.ExpiresAt = expiresAt;
        await this.WriteOrDeactivateAsync(state);
        await SettleCartAsync();
        return new CheckoutResult(CheckoutOutcome.Created, Snapshot(), []);
    }

    public async Task<OrderSnapshot?> GetAsync()
    {
        await ExpireIfDueAsync();
        return Snapshot();
    }

    public async Task<OrderActionResult> PayAsync()
    {
        await ExpireIfDueAsync();
        switch (state.State.Status)
        {
            case OrderStatus.None:
                return new OrderActionResult(OrderActionOutcome.NotFound, null);
            case OrderStatus.Cancelled or OrderStatus.Expired:
                metrics.OrderSettled("rejected");
                return Result(OrderActionOutcome.Conflict);
            case OrderStatus.PendingPayment:
                // Every line is still held (the inventory returns nothing without asking this order), so the
                // payment is decided here, stored, and then carried out on every line: all or none.
                await SettleAsync(OrderStatus.Paid, "paid");
                break;
        }

        await Task.WhenAll(state.State.Lines.Select(line => Inventory(line.Sku).ConfirmAsync(OrderId, line.Quantity)));
        return Result(OrderActionOutcome.Done);
    }

    public async Task<OrderActionResult> CancelAsync()
    {
        await ExpireIfDueAsync();
        switch (state.State.Status)
        {
            case OrderStatus.None:
                return new OrderActionResult(OrderActionOutcome.NotFound, null);
            case OrderStatus.Paid or OrderStatus.Expired:
                return Result(OrderActionOutcome.Conflict);
            case OrderStatus.PendingPayment:
                await SettleAsync(OrderStatus.Cancelled, "cancelled");
                break;
        }

        await ReleaseLinesAsync(exceptSku: null);
        return Result(OrderActionOutcome.Done);
    }

    public async Task<ReservationDecision> DecideExpiredReservationAsync(string sku)
    {
        if (state.State.Status == OrderStatus.None)
        {
            // "Release" cannot be undone, so it is never said from memory alone: this may be a second activation,
            // made before another one placed (or paid) the order. What Redis holds decides.
            await ReadStoredOrderAsync();
        }

        if (state.State.Status == OrderStatus.PendingPayment && IsDue())
        {
            await SettleAsync(OrderStatus.Expired, "expired");
            await TryReleaseLinesAsync(exceptSku: sku);
        }

        await ExpireIfDueAsync();
        var order = state.State;

        return order.Status switch
        {
            OrderStatus.PendingPayment => new ReservationDecision(ReservationVerdict.Hold, order.ExpiresAt),
            OrderStatus.Paid => new ReservationDecision(ReservationVerdict.Confirm, default, order.Lines.Where(line => line.Sku == sku).Sum(line => line.Quantity)),
            _ => new ReservationDecision(ReservationVerdict.Release, default),
        };
    }

    /// <summary>
    /// Reserves every line in parallel, this attempt's holds marked by their expiry. When any line is short or
    /// fails, this attempt's holds are released again and the shortages are returned (or the failure thrown):
    /// a refused checkout holds nothing.
    /// </summary>
    /// <remarks>
    /// Only this attempt's holds: while a silo dies or stops, an abandoned attempt may still be running in the
    /// old activation while the client's retry succeeds in a new one. The retry re-times every hold to its own
    /// expiry, so the late failure of the old attempt releases nothing the acknowledged order holds.
    /// </remarks>
    private async Task<Shortage[]> ReserveAllAsync(OrderLine[] lines, DateTimeOffset expiresAt)
    {
        var reservations = lines.Select(line => Inventory(line.Sku).ReserveAsync(OrderId, line.Quantity, expiresAt)).ToArray();
        try
        {
            await Task.WhenAll(reservations);
        }
        catch (Exception exception)
        {
            await TryReleaseAttemptAsync(lines, expiresAt);
            throw new StoreUnavailableException(
                mayHaveBeenApplied: false, "Not every line of the cart could be reserved; nothing was ordered.", exception);
        }

        var shortages = lines
            .Select((line, i) => (line, result: reservations[i].Result))
            .Where(x => !x.result.Holds)
            .Select(x => new Shortage(x.line.Sku, x.line.Quantity, x.result.Available))
            .ToArray();
        if (shortages.Length > 0)
        {
            await TryReleaseAttemptAsync(lines, expiresAt);
        }

        return shortages;
    }

    /// <summary>A repeat of a placed checkout: the first attempt may have stopped between the order write and the cart.</summary>
    private async Task<CheckoutResult> RepeatAsync()
    {
        await SettleCartAsync();
        return new CheckoutResult(CheckoutOutcome.Duplicate, Snapshot(), []);
    }

    private async Task ReadStoredOrderAsync()
    {
        try
        {
            await state.ReadStateAsync();
        }
        catch (Exception exception)
        {
            throw new StoreUnavailableException(mayHaveBeenApplied: false, "The order could not be read; nothing was changed.", exception);
        }
    }

    private CheckoutResult Refused(Shortage[] shortages)
    {
        metrics.OrderSettled("rejected");
        return new CheckoutResult(CheckoutOutcome.InsufficientStock, null, shortages);
    }

    /// <summary>
    /// The two rules of time, passed by every entry point: an order unpaid at its deadline is expired the
    /// first time anyone looks, and a settled order past its retention is forgotten — Redis drops its key
    /// by itself, and this activation forgets it too rather than serve it from memory.
    /// </summary>
    private async Task ExpireIfDueAsync()
    {
        var order = state.State;
        if (order.Status == OrderStatus.PendingPayment && IsDue())
        {
            await SettleAsync(OrderStatus.Expired, "expired");
            await TryReleaseLinesAsync(exceptSku: null);
        }
        else if (order.SettledAt + orders.Value.Retention <= time.GetUtcNow())
        {
            state.State = new OrderState();
            DeactivateOnIdle();
        }
    }

    private async Task SettleAsync(OrderStatus status, string outcome)
    {
        state.State.Status = status;
        state.State.SettledAt = time.GetUtcNow();
        await this.WriteOrDeactivateAsync(state);
        metrics.OrderSettled(outcome);
    }

    private Task ReleaseLinesAsync(string? exceptSku) =>
        Task.WhenAll(state.State.Lines.Where(line => line.Sku != exceptSku).Select(line => Inventory(line.Sku).ReleaseAsync(OrderId)));

    /// <summary>Releases what can be released now; the rest is released when its inventory asks this order.</summary>
    private async Task TryReleaseLinesAsync(string? exceptSku)
    {
        try
        {
            await ReleaseLinesAsync(exceptSku);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Order {OrderId} could not release every line now; the inventory will ask again when they expire", OrderId);
        }
    }

    /// <summary>Undoes what one checkout attempt reserved; a hold it cannot release now returns when it expires.</summary>
    private async Task TryReleaseAttemptAsync(OrderLine[] lines, DateTimeOffset expiresAt)
    {
        try
        {
            await Task.WhenAll(lines.Select(line => Inventory(line.Sku).ReleaseAttemptAsync(OrderId, expiresAt)));
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Checkout {OrderId} could not release what it reserved; the holds return when they expire", OrderId);
        }
    }

    /// <summary>Takes the ordered lines out of the cart; the cart does it once per order.</summary>
    private Task SettleCartAsync()
    {
        var order = state.State;
        return GrainFactory.GetGrain<ICartGrain>(order.CartId)
            .SettleCheckoutAsync(OrderId, [.. order.Lines.Select(line => new CartLine(line.Sku, line.Quantity))]);
    }

    private bool IsDue() => time.GetUtcNow() >= state.State.ExpiresAt;

    private IInventoryGrain Inventory(string sku) => GrainFactory.GetGrain<IInventoryGrain>(sku);

    private OrderActionResult Result(OrderActionOutcome outcome) => new(outcome, Snapshot());

    private OrderSnapshot? Snapshot()
    {
        var order = state.State;
        return order.Status == OrderStatus.None
            ? null
            : new OrderSnapshot(OrderId, order.CartId, order.Status, order.Lines, order.Currency, order.CreatedAt, order.ExpiresAt);
    }
}
