using Doorbuster.Inventory;
using Doorbuster.Orders;
using Doorbuster.Persistence;
using Doorbuster.Sales;
using Microsoft.Extensions.Logging;

namespace Doorbuster.Carts;

/// <summary>
/// Checkout, run by the cart: price the lines (<see cref="Catalog.CheckoutPrices"/>), hold every line for a
/// new checkout attempt in parallel (group-committed per sku), then store the order — naming the attempt —
/// and the emptied cart in one write. That write is the commit point: the attempt that made it owns the
/// order, and only its holds can ever be sold. An attempt that loses (another activation of this cart placed
/// the order or changed the cart first) or is refused releases its own holds at once; whatever it could not
/// release goes back when its inventory asks the order at the hold's expiry.
/// </summary>
/// <remarks>
/// Redis round trips of a checkout: the shared group-committed hold write of each sku and the one place-order
/// script; no activation is created (the order grain wakes when someone reads, pays or cancels the order).
/// </remarks>
public sealed partial class CartGrain
{
    public Task<CheckoutResult> CheckoutAsync(string idempotencyKey) => CheckoutAsync(idempotencyKey, saleTicket: null);

    public async Task<CheckoutResult> CheckoutAsync(string idempotencyKey, string? saleTicket)
    {
        await EnsureReadAsync();
        if (PlacedOrderFor(idempotencyKey) is { } placed)
        {
            // The same checkout again: it needs no ticket, the first one was used for it. Its order exists, so a
            // failure to read it must not reach the client as "not applied".
            return await StoreFailures.AfterStoredChangeAsync(() => RepeatAsync(placed), "The order of this checkout was placed, but it could not be read now");
        }

        var orderId = OrderIds.For(CartId, idempotencyKey);
        var (refusal, claimed) = await PassSaleGateAsync(orderId, saleTicket);
        if (refusal is not null)
        {
            return refusal;
        }

        CheckoutResult result;
        try
        {
            result = await CheckoutOnceAsync(idempotencyKey);
        }
        catch (Exception exception) when (StoreFailures.IsOutageOfACall(exception))
        {
            // Failed before this activation stored an order. Redis is asked whether one is stored all the same (by
            // another activation of this cart, while a silo fails): such an order is not to be denied. When none
            // is, the ticket goes back - a ticket admits one checkout that succeeds, not one attempt. When Redis
            // cannot say, the ticket stays with this order id, which a retry under the same key still uses.
            var stored = await OrderPlacedAsync(orderId);
            if (stored is true)
            {
                throw new StoreUnavailableException(
                    mayHaveBeenApplied: true, "The checkout failed, but its order was placed. Retry with the same key.", exception);
            }

            if (stored is false && claimed is not null)
            {
                await GiveTicketBackAsync(claimed, saleTicket!, orderId);
            }

            throw;
        }

        if (claimed is not null && result.Outcome is not (CheckoutOutcome.Created or CheckoutOutcome.Duplicate))
        {
            await GiveTicketBackAsync(claimed, saleTicket!, orderId);
        }

        return result;
    }

    /// <summary>Whether Redis holds the order; <c>null</c> when it cannot say.</summary>
    private async Task<bool?> OrderPlacedAsync(string orderId)
    {
        try
        {
            return await store.OrderExistsAsync(orderId);
        }
        catch (StoreUnavailableException)
        {
            return null;
        }
    }

    /// <summary>
    /// A cart that holds skus of a running sale needs an admitted ticket of it, used up by this order; a cart
    /// outside every sale passes without a call (<see cref="SaleGate"/>). Answers the refusal, or the sale
    /// whose ticket this checkout claimed.
    /// </summary>
    private async Task<(CheckoutResult? Refusal, string? ClaimedSale)> PassSaleGateAsync(string orderId, string? saleTicket)
    {
        var gating = await saleGate.SalesGatingAsync(_cart.Lines.Select(line => line.Sku));
        if (gating.Count == 0)
        {
            return (null, null);
        }

        if (gating.Count > 1)
        {
            return (TicketRequired($"The cart holds skus of {gating.Count} sales ({string.Join(", ", gating.Select(sale => sale.SaleId))}); check out each sale's skus on their own, each with its ticket."), null);
        }

        var sale = gating[0];
        var skus = string.Join(", ", _cart.Lines.Select(line => line.Sku).Where(sale.Skus.Contains));
        if (string.IsNullOrEmpty(saleTicket))
        {
            return (TicketRequired($"{skus} {(skus.Contains(',', StringComparison.Ordinal) ? "are" : "is")} on sale in '{sale.SaleId}': the checkout needs the Sale-Ticket header naming an admitted ticket of that sale."), null);
        }

        var outcome = await GrainFactory.GetGrain<ISaleGrain>(sale.SaleId).ClaimAsync(saleTicket, orderId);
        return outcome switch
        {
            ClaimOutcome.Claimed => (null, sale.SaleId),

            // It ended since this silo last read the directory: its skus are no longer gated.
            ClaimOutcome.Ended => (null, null),
            ClaimOutcome.NotAdmitted => (TicketRequired($"The ticket of sale '{sale.SaleId}' has not been admitted yet: wait for its turn."), null),
            ClaimOutcome.Expired => (TicketRequired($"The ticket's admission to sale '{sale.SaleId}' has expired."), null),
            ClaimOutcome.Used => (TicketRequired($"The ticket of sale '{sale.SaleId}' was already used by another checkout."), null),
            _ => (TicketRequired($"The Sale-Ticket header does not name a ticket of sale '{sale.SaleId}'."), null),
        };
    }

    private static CheckoutResult TicketRequired(string reason) => new(CheckoutOutcome.TicketRequired, null, [], reason);

    /// <summary>A refused checkout gives its ticket back; when that fails the ticket stays with this order, and a retry under the same key still uses it.</summary>
    private async Task GiveTicketBackAsync(string saleId, string saleTicket, string orderId)
    {
        try
        {
            await GrainFactory.GetGrain<ISaleGrain>(saleId).ReleaseClaimAsync(saleTicket, orderId);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "The ticket of sale {SaleId} used by refused order {OrderId} could not be given back", saleId, orderId);
        }
    }

    private async Task<CheckoutResult> CheckoutOnceAsync(string idempotencyKey)
    {
        var orderId = OrderIds.For(CartId, idempotencyKey);
        for (var round = 1; ; round++)
        {
            if (PlacedOrderFor(idempotencyKey) is { } placed)
            {
                return await RepeatAsync(placed);
            }

            if (round > 2)
            {
                throw new StoreUnavailableException(
                    mayHaveBeenApplied: true, "The cart kept changing while it was checked out; whether the order was placed is not known. Retry with the same key.");
            }

            if (_version == 0 && _cart.Lines.Count > 0 && await PlacedByEarlierReleaseAsync(idempotencyKey) is { } earlier)
            {
                return earlier;
            }

            if (_cart.Lines.Count == 0)
            {
                return await RefuseAsync(orderId, new CheckoutResult(CheckoutOutcome.EmptyCart, null, []));
            }

            var products = await Task.WhenAll(_cart.Lines.Select(line => prices.GetAsync(line.Sku)));
            var unknown = _cart.Lines.Where((_, i) => products[i] is null).Select(line => new Shortage(line.Sku, line.Quantity, 0)).ToArray();
            if (unknown.Length > 0)
            {
                return await RefuseAsync(orderId, InsufficientStock(unknown));
            }

            // An order is priced in the currency of its prices. The cart's own currency is the one its lines had
            // when they joined, and an operator may have changed a product's currency since: the rule of a cart
            // change holds here too - one currency for every line, or a refusal before anything is held.
            var currencies = products.Select(product => product!.Currency).Distinct(StringComparer.Ordinal).ToArray();
            if (currencies.Length > 1)
            {
                var priced = string.Join(", ", _cart.Lines.Select((line, i) => $"{line.Sku} in {products[i]!.Currency}"));
                return await RefuseAsync(orderId, new CheckoutResult(
                    CheckoutOutcome.CurrencyMismatch, null, [], $"The lines of the cart are priced in more than one currency now ({priced}); keep the lines of one currency."));
            }

            var now = time.GetUtcNow();
            var attempt = CheckoutAttempt.New();
            var lines = _cart.Lines.Select((line, i) => new OrderLine(line.Sku, products[i]!.Name, products[i]!.Price, line.Quantity)).ToArray();
            var order = new OrderState
            {
                Status = OrderStatus.PendingPayment,
                CartId = CartId,
                Lines = lines,
                Currency = currencies[0],
                CreatedAt = now,
                ExpiresAt = Reservation.Precision(now + checkout.Value.PaymentWindow),
                Attempt = attempt,

                // The place-order write stores the cart as the next version, or nothing.
                PlacedAtCartVersion = _version + 1,
            };

            var shortages = await HoldAllAsync(orderId, order);
            if (shortages.Length > 0)
            {
                return await RefuseAsync(orderId, InsufficientStock(shortages));
            }

            var emptied = _cart.AfterOrder(orderId, order.PlacedAtCartVersion, PlacedOrdersKept, [], null, now);
            var result = await PlaceAsync(orderId, order, emptied);
            switch (result.Outcome)
            {
                case PlaceOrderOutcome.Placed:
                    (_cart, _version) = (emptied, result.CartVersion);
                    return new CheckoutResult(CheckoutOutcome.Created, OrderSnapshots.Of(orderId, order), []);
                case PlaceOrderOutcome.OrderExists:
                    // Another activation of this cart placed this very order: this attempt lost.
                    await TryReleaseAsync(orderId, order);
                    await ReadAfterLossAsync();
                    return await AdoptAsync(orderId);
                default:
                    // Another activation changed the cart since this one read it (and may have placed this order):
                    // this attempt lost; look again, once, at the cart as stored.
                    await TryReleaseAsync(orderId, order);
                    await ReadAfterLossAsync();
                    break;
            }
        }
    }

    /// <summary>The order a checkout under this key placed from this cart, under its id of either form.</summary>
    private string? PlacedOrderFor(string idempotencyKey)
    {
        var orderId = OrderIds.For(CartId, idempotencyKey);
        if (_cart.PlacedOrders.Contains(orderId))
        {
            return orderId;
        }

        var earlierForm = OrderIds.EarlierFormFor(CartId, idempotencyKey);
        return _cart.PlacedOrders.Contains(earlierForm) ? earlierForm : null;
    }

    /// <summary>
    /// Answers with an order placed from this cart that the cart, as stored, does not list: its lines are taken out
    /// and the order remembered. That is what a store that kept only the first half of the place-order write after
    /// a crash leaves behind (the order, and the cart as it was, perhaps changed since). A cart whose latest
    /// place-order write is this order's or a later one took the lines out then, and has only forgotten the order
    /// among those it remembers (a checkout repeated after <see cref="PlacedOrdersKept"/> later ones): the lines it
    /// holds now are other checkouts', and stay. The order exists, so a failure here may not say "not applied".
    /// </summary>
    private Task<CheckoutResult> AdoptAsync(string orderId) =>
        StoreFailures.AfterStoredChangeAsync(() => AdoptPlacedAsync(orderId), "The order of this checkout was placed, but the cart could not be brought in line with it now");

    private async Task<CheckoutResult> AdoptPlacedAsync(string orderId)
    {
        var repeat = await RepeatAsync(orderId);
        if (_cart.PlacedOrders.Contains(orderId) || repeat.Order is not { } order || order.CartId != CartId)
        {
            return repeat;
        }

        var placedAt = (await store.ReadOrderAsync(orderId, GrainFactory.GetGrain<IOrderGrain>(orderId).GetGrainId()))?.State.PlacedAtCartVersion ?? 0;
        if (placedAt > 0 && _cart.LastPlacedAtVersion >= placedAt)
        {
            return repeat;
        }

        var lines = new List<CartLine>(_cart.Lines);
        foreach (var line in order.Lines)
        {
            var index = lines.FindIndex(l => l.Sku == line.Sku);
            if (index >= 0 && lines[index].Quantity > line.Quantity)
            {
                lines[index] = lines[index] with { Quantity = lines[index].Quantity - line.Quantity };
            }
            else if (index >= 0)
            {
                lines.RemoveAt(index);
            }
        }

        logger.LogWarning("Cart {CartId} did not list order {OrderId}, which was placed from it; its lines are taken out now", CartId, orderId);
        await StoreAsync(_cart.AfterOrder(orderId, placedAt, PlacedOrdersKept, lines, lines.Count == 0 ? null : _cart.Currency, time.GetUtcNow()));
        return repeat;
    }

    /// <summary>
    /// Re-reads the cart after another activation stored an order under this key or changed the cart: when that
    /// fails, the order may well exist, and the client must not be told that nothing was applied.
    /// </summary>
    private async Task ReadAfterLossAsync()
    {
        try
        {
            await ReadAsync();
        }
        catch (StoreUnavailableException exception)
        {
            throw new StoreUnavailableException(
                mayHaveBeenApplied: true, "The order may have been placed, but the cart could not be read again. Retry with the same key.", exception);
        }
    }

    /// <summary>
    /// A cart still in the earlier release's layout may have placed this checkout's order under the id of the
    /// earlier form without giving up its lines (that release stored the order, then the cart): adopt it rather
    /// than place a second one. Asked only of such carts, which are read as version 0 with lines.
    /// </summary>
    private async Task<CheckoutResult?> PlacedByEarlierReleaseAsync(string idempotencyKey)
    {
        var earlierId = OrderIds.EarlierFormFor(CartId, idempotencyKey);
        return await GrainFactory.GetGrain<IOrderGrain>(earlierId).GetAsync() is { } order && order.CartId == CartId
            ? await AdoptAsync(earlierId)
            : null;
    }

    /// <summary>A repeat of a placed checkout is answered with its order (or as an empty cart once the order is forgotten).</summary>
    private async Task<CheckoutResult> RepeatAsync(string orderId)
    {
        var order = await GrainFactory.GetGrain<IOrderGrain>(orderId).GetAsync();
        return order is null
            ? new CheckoutResult(CheckoutOutcome.EmptyCart, null, [])
            : new CheckoutResult(CheckoutOutcome.Duplicate, order, []);
    }

    /// <summary>
    /// A refusal is only said when no order was placed under this key: while a silo fails, a second activation
    /// of this cart may have placed it after this one read the cart, and a client retrying a checkout that
    /// succeeded must be given its order, not told the cart is empty or short.
    /// </summary>
    private async Task<CheckoutResult> RefuseAsync(string orderId, CheckoutResult refusal)
    {
        if (await store.OrderExistsAsync(orderId))
        {
            await ReadAfterLossAsync();
            return await AdoptAsync(orderId);
        }

        if (refusal.Outcome == CheckoutOutcome.InsufficientStock)
        {
            metrics.OrderSettled("rejected");
        }

        return refusal;
    }

    /// <summary>
    /// Holds every line for the order's attempt in parallel. When a line is short or a hold fails, the attempt's
    /// holds are released again and the shortages returned (or the failure thrown): a refused checkout holds nothing.
    /// </summary>
    private async Task<Shortage[]> HoldAllAsync(string orderId, OrderState order)
    {
        var holds = order.Lines
            .Select(line => GrainFactory.GetGrain<IInventoryGrain>(line.Sku).ReserveAsync(orderId, order.Attempt, line.Quantity, order.ExpiresAt))
            .ToArray();
        try
        {
            await Task.WhenAll(holds);
        }
        catch (Exception exception)
        {
            await TryReleaseAsync(orderId, order);
            throw new StoreUnavailableException(
                mayHaveBeenApplied: false, "Not every line of the cart could be reserved; nothing was ordered.", exception);
        }

        var shortages = order.Lines
            .Select((line, i) => (line, result: holds[i].Result))
            .Where(x => !x.result.Holds)
            .Select(x => new Shortage(x.line.Sku, x.line.Quantity, x.result.Available))
            .ToArray();
        if (shortages.Length > 0)
        {
            await TryReleaseAsync(orderId, order);
        }

        return shortages;
    }

    /// <summary>
    /// Stores the order and the emptied cart in one write. When the write's outcome is unknown the attempt's
    /// holds stay (they may belong to a placed order; if not, they go back when their inventory asks it).
    /// </summary>
    private async Task<PlaceOrderResult> PlaceAsync(string orderId, OrderState order, CartState emptied)
    {
        try
        {
            return await store.PlaceOrderAsync(CartId, _version, emptied, orderId, order);
        }
        catch (Exception exception)
        {
            var failure = StoreFailures.Classify(exception);
            if (!failure.MayHaveBeenApplied)
            {
                await TryReleaseAsync(orderId, order);
            }

            DeactivateOnIdle();
            throw failure;
        }
    }

    /// <summary>Releases this attempt's holds, and only them; a hold it cannot release now returns when it expires.</summary>
    private async Task TryReleaseAsync(string orderId, OrderState order)
    {
        try
        {
            await Task.WhenAll(order.Lines.Select(line => GrainFactory.GetGrain<IInventoryGrain>(line.Sku).ReleaseAsync(orderId, order.Attempt)));
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Checkout {OrderId} could not release the holds of attempt {Attempt}; they return when they expire", orderId, order.Attempt);
        }
    }

    private static CheckoutResult InsufficientStock(Shortage[] shortages) => new(CheckoutOutcome.InsufficientStock, null, shortages);
}
