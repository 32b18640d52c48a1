using Doorbuster.Diagnostics;
using Doorbuster.Hosting;
using Doorbuster.Orders;
using Doorbuster.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Doorbuster.Inventory;

/// <summary>
/// The stock of one sku, with group commit: calls interleave, each applies its movement to the
/// <see cref="StockBook"/> in one synchronous step (so check-and-reserve is atomic), then waits for the
/// single Redis write that carries it, which holds only what its batch changed. Reads return the last
/// stored level, never a change that could still be lost.
/// </summary>
/// <remarks>
/// Expired reservations are brought to their orders by a sweep timer; a reminder brings the grain back to
/// sweep after its activation was collected or its silo died. A failed write breaks the activation: it
/// answers 503 until Orleans replaces it with one that re-reads Redis.
/// </remarks>
[Reentrant]
public sealed class InventoryGrain(
    RedisInventoryStore store,
    GrainMetrics metrics,
    [FromKeyedServices(DomainClock.Key)] TimeProvider time,
    IOptions<InventoryOptions> options,
    ILogger<InventoryGrain> logger) : Grain, IInventoryGrain, IRemindable
{
    private const string ExpiryReminder = "reservation-expiry";

    /// <summary>How long an order may take to answer, and when an unanswered one is asked again.</summary>
    private static readonly TimeSpan UnansweredRetry = TimeSpan.FromSeconds(5);

    private readonly InventoryOptions _options = options.Value;
    private readonly Dictionary<string, RestockRecord> _restocks = new(StringComparer.Ordinal);
    private StockBook _book = null!;
    private GroupCommit _commit = null!;
    private StockLevel _stored = null!;
    private IGrainTimer? _sweep;
    private bool _reminderRegistered;

    private string Sku => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stored = await store.ReadAsync(Sku);
        _book = StockBook.From(stored, _options.ExpiryGrace);
        _stored = _book.Level(Sku);
        _commit = new GroupCommit(WriteAsync, OnWriteFailed, metrics.InventoryWriteBatch);
        WatchExpiries();
    }

    public Task<StockLevel> GetAsync() => Task.FromResult(_stored);

    public async Task<RestockResult> RestockAsync(int quantity, string? idempotencyKey)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantity, 1);
        _commit.ThrowIfBroken();
        if (idempotencyKey is not null && await FindRestockAsync(idempotencyKey) is { } earlier)
        {
            // The earlier restock may still be on its way to Redis.
            await _commit.WhenStoredAsync();
            return earlier.Quantity == quantity
                ? new RestockResult(RestockOutcome.Repeated, earlier.Stock(Sku))
                : new RestockResult(RestockOutcome.KeyReused, _stored);
        }

        _book.Restock(quantity);
        var level = _book.Level(Sku);
        if (idempotencyKey is not null)
        {
            var record = new RestockRecord(quantity, level.Available, level.Reserved, level.Sold, level.TotalRestocked);
            _restocks[idempotencyKey] = record;
            _book.RecordRestock(idempotencyKey, record);
        }

        await _commit.CommitAsync();
        return new RestockResult(RestockOutcome.Restocked, level);
    }

    public async Task<ReservationResult> ReserveAsync(string orderId, int quantity, DateTimeOffset expiresAt)
    {
        _commit.ThrowIfBroken();
        var outcome = _book.Reserve(orderId, quantity, expiresAt, time.GetUtcNow());
        metrics.Reservation(outcome switch
        {
            ReservationOutcome.Reserved => "reserved",
            ReservationOutcome.AlreadyReserved => "duplicate",
            ReservationOutcome.Insufficient => "insufficient",
            _ => "expired",
        });
        if (outcome is ReservationOutcome.Insufficient or ReservationOutcome.Expired)
        {
            return new ReservationResult(outcome, _book.Available);
        }

        // A repeat waits too: the hold it repeats may still be on its way to Redis.
        await (_book.HasChanges ? _commit.CommitAsync() : _commit.WhenStoredAsync());
        WatchExpiries();
        return new ReservationResult(outcome, _stored.Available);
    }

    public Task<SettlementOutcome> ConfirmAsync(string orderId, int quantity) => SettleAsync(orderId, () => _book.Confirm(orderId, quantity));

    public Task<SettlementOutcome> ReleaseAsync(string orderId) => SettleAsync(orderId, () => _book.Release(orderId));

    public Task<SettlementOutcome> ReleaseAttemptAsync(string orderId, DateTimeOffset expiresAt) =>
        SettleAsync(orderId, () => _book.Release(orderId, expiresAt));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ExpiryReminder)
        {
            return;
        }

        // Activation started the sweep; with nothing left to watch the reminder goes.
        WatchExpiries();
        if (_book.HoldCount == 0)
        {
            await ForgetReminderAsync();
        }
    }

    private async Task<SettlementOutcome> SettleAsync(string orderId, Func<SettlementOutcome> settle)
    {
        _commit.ThrowIfBroken();
        var outcome = settle();
        if (outcome == SettlementOutcome.ConfirmedShort)
        {
            logger.LogError("Order {OrderId} held fewer units of sku {Sku} than its line and available could not make them up: its line was sold short", orderId, Sku);
        }

        await (outcome is SettlementOutcome.NotReserved or SettlementOutcome.HeldByAnotherAttempt ? _commit.WhenStoredAsync() : _commit.CommitAsync());
        return outcome;
    }

    private async Task<RestockRecord?> FindRestockAsync(string key)
    {
        if (_restocks.TryGetValue(key, out var known))
        {
            return known;
        }

        var stored = await store.FindRestockAsync(Sku, key);
        _commit.ThrowIfBroken();

        // A restock with this key may have been applied while the lookup was out.
        if (_restocks.TryGetValue(key, out known))
        {
            return known;
        }

        if (stored is not null)
        {
            _restocks[key] = stored;
        }

        return stored;
    }

    /// <summary>While reservations are outstanding, a timer sweeps them; a reminder covers a lost activation.</summary>
    private void WatchExpiries()
    {
        if (_book.HoldCount > 0)
        {
            _sweep ??= this.RegisterGrainTimer(
                SweepAsync, new GrainTimerCreationOptions(_options.SweepInterval, _options.SweepInterval) { Interleave = true });
        }
    }

    /// <summary>
    /// Brings every reservation past its expiry (plus grace) to its order and does what the order says:
    /// release it, confirm it, or ask again later. An order that does not answer is asked again later too,
    /// so a reservation is never returned without its order's word.
    /// </summary>
    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        if (_commit.IsBroken)
        {
            return;
        }

        var now = time.GetUtcNow();
        var due = _book.TakeDue(now, _options.MaxDecisionsPerSweep);
        if (due.Count > 0)
        {
            var verdicts = await Task.WhenAll(due.Select(entry => AskOrderAsync(entry.OrderId)));
            var changed = false;
            for (var i = 0; i < due.Count; i++)
            {
                changed |= Apply(due[i].OrderId, due[i].Hold, verdicts[i], now);
            }

            if (changed && !_commit.IsBroken)
            {
                await _commit.CommitAsync();
                logger.LogInformation("Settled expired reservations of sku {Sku} as their orders decided", Sku);
            }
        }

        await KeepReminderInStepAsync();
        if (_book.HoldCount == 0)
        {
            _sweep?.Dispose();
            _sweep = null;
        }
    }

    private bool Apply(string orderId, Reservation hold, ReservationDecision? decision, DateTimeOffset now)
    {
        if (!_book.TryGetHold(orderId, out var current) || current != hold)
        {
            return false; // settled or re-timed while the order was asked
        }

        metrics.ExpiryDecision(decision?.Verdict.ToString().ToLowerInvariant() ?? "unanswered");
        switch (decision?.Verdict)
        {
            case ReservationVerdict.Release:
                return _book.Release(orderId) == SettlementOutcome.Released;
            case ReservationVerdict.Confirm:
                return _book.Confirm(orderId, decision.Quantity > 0 ? decision.Quantity : hold.Quantity) is SettlementOutcome.Confirmed or SettlementOutcome.ConfirmedShort;
            case ReservationVerdict.Hold:
                _book.AskAgainAt(orderId, hold, Later(decision.HoldUntil + _options.ExpiryGrace, now));
                return false;
            default:
                _book.AskAgainAt(orderId, hold, now + UnansweredRetry);
                return false;
        }
    }

    private static DateTimeOffset Later(DateTimeOffset at, DateTimeOffset now) => at > now ? at : now + UnansweredRetry;

    private async Task<ReservationDecision?> AskOrderAsync(string orderId)
    {
        try
        {
            return await GrainFactory.GetGrain<IOrderGrain>(orderId).DecideExpiredReservationAsync(Sku).WaitAsync(UnansweredRetry);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Order {OrderId} did not decide on its expired reservation of sku {Sku}; asking again later", orderId, Sku);
            return null;
        }
    }

    private async Task KeepReminderInStepAsync()
    {
        try
        {
            if (_book.HoldCount > 0 && !_reminderRegistered)
            {
                await this.RegisterOrUpdateReminder(ExpiryReminder, _options.ReminderPeriod, _options.ReminderPeriod);
                _reminderRegistered = true;
            }
            else if (_book.HoldCount == 0 && _reminderRegistered)
            {
                await ForgetReminderAsync();
            }
        }
        catch (Exception exception)
        {
            // The next sweep tries again; meanwhile the activation itself keeps watching.
            logger.LogWarning(exception, "Could not bring the expiry reminder of sku {Sku} in step", Sku);
        }
    }

    private async Task ForgetReminderAsync()
    {
        if (await this.GetReminder(ExpiryReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        _reminderRegistered = false;
    }

    private async Task WriteAsync()
    {
        var write = _book.TakeWrite();
        await store.WriteAsync(Sku, write);
        _book.Stored(write);
        _stored = new StockLevel(Sku, write.Available, write.Reserved, write.Sold, write.TotalRestocked);
    }

    private void OnWriteFailed(Exception exception)
    {
        logger.LogWarning(exception, "A stock write of sku {Sku} failed; the activation is dropped and the next one re-reads Redis", Sku);
        _sweep?.Dispose();
        _sweep = null;
        DeactivateOnIdle();
    }
}
