using Doorbuster.Diagnostics;
using Doorbuster.Hosting;
using Doorbuster.Inventory;
using Doorbuster.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Doorbuster.Orders;

/// <summary>
/// An order after its cart placed it. It wakes only when someone reads, pays or cancels it, or an inventory
/// asks about an expired hold. Every settlement — pay, cancel, expiry — is decided and stored here first and
/// carried out on the lines after, so a crash in between is finished by whoever comes next: a retry of the
/// client, a read, or an inventory asking what to do with an expired hold.
/// </summary>
/// <remarks>
/// The order names the checkout attempt that placed it, and every line it touches is that attempt's hold:
/// holds of other attempts (an abandoned attempt of a second activation, a retry that lost) are never sold,
/// and go back when their inventory asks (<see cref="ExpiredHolds.Decide"/>). State is read and written
/// through <see cref="CheckoutStore"/>, where the cart wrote it. An order is asked about a few times in its
/// life (read after checkout, paid, maybe read again), minutes apart: its activation is collected after two idle
/// minutes (<see cref="CollectionAges"/>) rather than Orleans' default quarter of an hour, so settled orders leave
/// memory soon.
/// </remarks>
[CollectionAgeLimit(Minutes = CollectionAges.PerShopperMinutes)]
public sealed class OrderGrain(
    CheckoutStore store,
    IOptions<OrdersOptions> orders,
    [FromKeyedServices(DomainClock.Key)] TimeProvider time,
    GrainMetrics metrics,
    ILogger<OrderGrain> logger) : Grain, IOrderGrain
{
    private OrderState _order = new();
    private long _version;

    private string OrderId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => ReadAsync();

    public async Task<OrderSnapshot?> GetAsync()
    {
        await RefreshAsync();
        return Snapshot();
    }

    public async Task<OrderActionResult> PayAsync()
    {
        await RefreshAsync();
        switch (_order.Status)
        {
            case OrderStatus.None:
                return new OrderActionResult(OrderActionOutcome.NotFound, null);
            case OrderStatus.Cancelled or OrderStatus.Expired:
                metrics.OrderSettled("rejected");
                return Result(OrderActionOutcome.Conflict);
            case OrderStatus.PendingPayment:
                // Every line is still held (the inventory returns nothing without asking this order), so the
                // payment is decided here, stored, and then carried out on every line.
                await SettleAsync(OrderStatus.Paid);
                break;
        }

        // The payment is stored: a line's failure must not reach the client as "not applied".
        return await StoreFailures.AfterStoredChangeAsync(SellLinesAsync, "The payment is stored, but not every line could be sold yet");
    }

    public async Task<OrderActionResult> CancelAsync()
    {
        await RefreshAsync();
        switch (_order.Status)
        {
            case OrderStatus.None:
                return new OrderActionResult(OrderActionOutcome.NotFound, null);
            case OrderStatus.Paid or OrderStatus.Expired:
                return Result(OrderActionOutcome.Conflict);
            case OrderStatus.PendingPayment:
                await SettleAsync(OrderStatus.Cancelled);
                break;
        }

        return await StoreFailures.AfterStoredChangeAsync(
            async () =>
            {
                await ReleaseLinesAsync(exceptSku: null);
                return Result(OrderActionOutcome.Done);
            },
            "The cancellation is stored, but not every line could be released yet");
    }

    public async Task<ReservationDecision> DecideExpiredHoldAsync(string sku, CheckoutAttempt attempt)
    {
        // "Release" cannot be undone, so it is never said from memory alone: an activation that knows no
        // order re-reads what its cart may have stored since. The asking inventory applies the verdict on
        // its own hold.
        await RefreshAsync(exceptSku: sku);
        return ExpiredHolds.Decide(_order, sku, attempt);
    }

    /// <summary>
    /// Confirms every line out of the named attempt's holds. Answers Done only when every line is sold; a line
    /// whose inventory holds nothing for the attempt is recorded, logged as an error and counted, and the
    /// shopper is told.
    /// </summary>
    /// <remarks>
    /// "Nothing held" is trusted while the inventories still remember their confirmations: until half of
    /// <see cref="Holds.ConfirmationMemory"/> after the payment was decided. A later repeat still confirms any
    /// line that is held (a confirmation lost to a crash), and takes "nothing held" as sold before — except for a
    /// line already found unsold; so does an order of the earlier release, whose inventories remembered no
    /// confirmation. A line found unsold is asked again on every repeat: should its hold turn up after all, it is
    /// sold and the order says so.
    /// </remarks>
    private async Task<OrderActionResult> SellLinesAsync()
    {
        var lines = _order.Lines;
        var outcomes = await Task.WhenAll(lines.Select(line => Inventory(line.Sku).ConfirmAsync(OrderId, _order.Attempt, line.Quantity)));
        var remembered = _order.Attempt != CheckoutAttempt.EarlierRelease && time.GetUtcNow() < _order.SettledAt + (Holds.ConfirmationMemory / 2);
        var unsold = lines
            .Where((line, i) => outcomes[i] is HoldOutcome.ConfirmedShort
                || (outcomes[i] is HoldOutcome.NotHeld && (remembered || _order.UnsoldSkus.Contains(line.Sku))))
            .Select(line => line.Sku)
            .ToArray();
        if (unsold.Length == 0)
        {
            if (outcomes.Contains(HoldOutcome.Confirmed))
            {
                metrics.OrderSettled("paid");
            }

            if (_order.UnsoldSkus.Length > 0)
            {
                // Reported unsold before, sold since (a hold its inventory found later, or confirmed at its expiry).
                _order.UnsoldSkus = [];
                await StoreAsync();
            }

            return Result(OrderActionOutcome.Done);
        }

        if (unsold.SequenceEqual(_order.UnsoldSkus))
        {
            return new OrderActionResult(OrderActionOutcome.LinesUnsold, Snapshot(), unsold);
        }

        foreach (var sku in unsold)
        {
            logger.LogError(
                "Order {OrderId} was paid but its line of sku {Sku} could not be sold: the inventory holds nothing for attempt {Attempt} (acknowledged writes were lost)",
                OrderId, sku, _order.Attempt);
            metrics.LineUnsold(sku);
        }

        metrics.OrderSettled("lines_unsold");
        _order.UnsoldSkus = unsold;
        await StoreAsync();
        return new OrderActionResult(OrderActionOutcome.LinesUnsold, Snapshot(), unsold);
    }

    private async Task ReadAsync()
    {
        var stored = await store.ReadOrderAsync(OrderId, this.GetGrainId());
        (_order, _version) = stored is null ? (new OrderState(), 0) : (stored.State, stored.Version);
    }

    /// <summary>
    /// What every entry point passes first. An activation that knows no order re-reads it (its cart stores the
    /// order without waking this grain); an order unpaid at its deadline is expired the first time anyone looks;
    /// a settled order past its retention is forgotten — Redis drops its key by itself, and this activation
    /// forgets it too rather than serve it from memory.
    /// </summary>
    private async Task RefreshAsync(string? exceptSku = null)
    {
        if (_order.Status == OrderStatus.None)
        {
            await ReadAsync();
        }

        if (_order.Status == OrderStatus.PendingPayment && IsDue())
        {
            await SettleAsync(OrderStatus.Expired);
            await TryReleaseLinesAsync(exceptSku);
        }
        else if (_order.SettledAt + orders.Value.Retention <= time.GetUtcNow())
        {
            _order = new OrderState();
            DeactivateOnIdle();
        }
    }

    private async Task SettleAsync(OrderStatus status)
    {
        _order.Status = status;
        _order.SettledAt = time.GetUtcNow();
        await StoreAsync();
        if (status != OrderStatus.Paid)
        {
            metrics.OrderSettled(status == OrderStatus.Cancelled ? "cancelled" : "expired");
        }
    }

    /// <summary>Writes the order; when the write fails the activation is dropped, so memory never serves what Redis may not hold.</summary>
    private async Task StoreAsync()
    {
        try
        {
            _version = await store.WriteOrderAsync(OrderId, _version, _order);
        }
        catch (Exception exception)
        {
            DeactivateOnIdle();
            throw StoreFailures.Classify(exception);
        }
    }

    private Task ReleaseLinesAsync(string? exceptSku) =>
        Task.WhenAll(_order.Lines.Where(line => line.Sku != exceptSku).Select(line => Inventory(line.Sku).ReleaseAsync(OrderId, _order.Attempt)));

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

    private bool IsDue() => time.GetUtcNow() >= _order.ExpiresAt;

    private IInventoryGrain Inventory(string sku) => GrainFactory.GetGrain<IInventoryGrain>(sku);

    private OrderActionResult Result(OrderActionOutcome outcome) => new(outcome, Snapshot());

    private OrderSnapshot? Snapshot() => OrderSnapshots.Of(OrderId, _order);
}
