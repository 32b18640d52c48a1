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
/// Expired reservations are brought to their orders by a sweep timer; a reminder, registered before the first
/// hold is acknowledged, brings the grain back to sweep after its activation was collected or its silo died. A
/// failed write breaks the activation: it answers 503 until Orleans replaces it with one that re-reads Redis.
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

    /// <summary>
    /// How long a hold waits for the expiry reminder's registration: a reminder service that hangs (its silo lost
    /// without a word) must not hold checkouts past their budget; the sweep goes on trying.
    /// </summary>
    private static readonly TimeSpan ReminderPatience = TimeSpan.FromMilliseconds(500);

    private readonly InventoryOptions _options = options.Value;
    private StockBook _book = null!;
    private GroupCommit _commit = null!;
    private StockLevel _stored = null!;
    private IGrainTimer? _sweep;
    private bool _reminderRegistered;
    private Task? _reminderRegistration;

    private string Sku => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stored = await store.ReadAsync(Sku, time.GetUtcNow());
        _book = StockBook.From(stored, _options.ExpiryGrace);
        _stored = _book.Level(Sku);
        _commit = new GroupCommit(WriteAsync, OnWriteFailed, metrics.InventoryWriteBatch);
        WatchExpiries();
    }

    public Task<StockLevel> GetAsync() => Task.FromResult(_stored);

    public async Task<RestockResult> RestockAsync(int quantity, string? idempotencyKey)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantity, 1);
        await RoomInNextWriteAsync();
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
            _book.RecordRestock(idempotencyKey, new RestockRecord(quantity, level.Available, level.Reserved, level.Sold, level.TotalRestocked, time.GetUtcNow()));
        }

        await _commit.CommitAsync();
        return new RestockResult(RestockOutcome.Restocked, level);
    }

    public async Task<ReservationResult> ReserveAsync(string orderId, CheckoutAttempt attempt, int quantity, DateTimeOffset expiresAt)
    {
        await RoomInNextWriteAsync();
        var outcome = _book.Reserve(new HoldKey(orderId, attempt), quantity, expiresAt, time.GetUtcNow());
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

        // A repeat waits too: the hold it repeats may still be on its way to Redis. And a hold is acknowledged only
        // once a reminder would bring this sku back to expire it, should this activation die before its first sweep.
        await Task.WhenAll(_book.HasChanges ? _commit.CommitAsync() : _commit.WhenStoredAsync(), ExpiryReminderOrPatienceAsync());
        WatchExpiries();
        return new ReservationResult(outcome, _stored.Available);
    }

    public async Task<HoldOutcome> ConfirmAsync(string orderId, CheckoutAttempt attempt, int quantity)
    {
        var key = new HoldKey(orderId, attempt);
        var outcome = await ResolveAsync(key, () => _book.Confirm(key, quantity, time.GetUtcNow()));
        if (outcome == HoldOutcome.NotHeld)
        {
            // "Nothing held" makes a paid order report a line unsold: said only by an activation that proves, with a
            // write that continues from its version, that no other activation has held the line since it read Redis.
            _book.ProveCurrent();
            await _commit.CommitAsync();
        }

        return outcome;
    }

    public Task<HoldOutcome> ReleaseAsync(string orderId, CheckoutAttempt attempt)
    {
        var key = new HoldKey(orderId, attempt);
        return ResolveAsync(key, () => _book.Release(key));
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ExpiryReminder)
        {
            return;
        }

        // Activation started the sweep; with nothing left to watch the reminder goes.
        WatchExpiries();
        if (_book.EntryCount == 0)
        {
            await ForgetReminderAsync();
        }
    }

    /// <summary>Confirms or releases one attempt's hold, answering once the change (or the state it found) is stored.</summary>
    private async Task<HoldOutcome> ResolveAsync(HoldKey key, Func<HoldOutcome> resolve)
    {
        await RoomInNextWriteAsync();
        var outcome = resolve();
        if (outcome == HoldOutcome.ConfirmedShort)
        {
            logger.LogError("Hold {Hold} of sku {Sku} was smaller than its order's line and available could not make it up: the line was sold short", key, Sku);
        }

        await (outcome is HoldOutcome.NotHeld or HoldOutcome.AlreadyConfirmed ? _commit.WhenStoredAsync() : _commit.CommitAsync());
        WatchExpiries();
        return outcome;
    }

    /// <summary>
    /// Waits, in a burst, until the next write has room for one more change: a write is one command, and carries
    /// at most <see cref="RedisInventoryStore.MaxChangesPerWrite"/> entries. The caller changes the book right
    /// after this returns, in the same turn, so the bound holds.
    /// </summary>
    private async Task RoomInNextWriteAsync()
    {
        _commit.ThrowIfBroken();
        while (_book.PendingChanges >= RedisInventoryStore.MaxChangesPerWrite)
        {
            await _commit.CommitAsync();
        }
    }

    private async Task<RestockRecord?> FindRestockAsync(string key)
    {
        if (_book.TryGetRestock(key, out var known))
        {
            return known;
        }

        var earlier = await store.FindEarlierRestockAsync(Sku, key);
        _commit.ThrowIfBroken();

        // A restock with this key may have been applied while the lookup was out.
        if (_book.TryGetRestock(key, out known))
        {
            return known;
        }

        if (earlier is not null)
        {
            _book.KnowRestock(key, earlier);
        }

        return earlier;
    }

    /// <summary>While holds or remembered confirmations are outstanding, a timer sweeps them; a reminder covers a lost activation.</summary>
    private void WatchExpiries()
    {
        if (_book.EntryCount > 0)
        {
            _sweep ??= this.RegisterGrainTimer(
                SweepAsync, new GrainTimerCreationOptions(_options.SweepInterval, _options.SweepInterval) { Interleave = true });
        }
    }

    /// <summary>
    /// Brings every hold past its expiry (plus grace) to its order and does what the order says: release it,
    /// confirm it, or ask again later. An order that does not answer is asked again later too, so a hold is
    /// never returned without its order's word. Confirmations whose memory ran out are forgotten.
    /// </summary>
    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        if (_commit.IsBroken)
        {
            return;
        }

        var now = time.GetUtcNow();
        var due = _book.TakeDue(now, _options.MaxDecisionsPerSweep, room: RedisInventoryStore.MaxChangesPerWrite - _book.PendingChanges);
        if (due.Count > 0)
        {
            var verdicts = await Task.WhenAll(due.Select(entry => AskOrderAsync(entry.Key)));
            for (var i = 0; i < due.Count; i++)
            {
                Apply(due[i].Key, due[i].Hold, verdicts[i], now);
            }
        }

        if (_book.HasChanges && !_commit.IsBroken)
        {
            await _commit.CommitAsync();
        }

        await KeepReminderInStepAsync();
        if (_book.EntryCount == 0)
        {
            _sweep?.Dispose();
            _sweep = null;
        }
    }

    private void Apply(HoldKey key, Reservation hold, ReservationDecision? decision, DateTimeOffset now)
    {
        if (!_book.TryGetEntry(key, out var current) || current != hold)
        {
            return; // confirmed or released while the order was asked
        }

        metrics.ExpiryDecision(decision?.Verdict.ToString().ToLowerInvariant() ?? "unanswered");
        switch (decision?.Verdict)
        {
            case ReservationVerdict.Release:
                _book.Release(key);
                break;
            case ReservationVerdict.Confirm:
                _book.Confirm(key, decision.Quantity, now);
                break;
            case ReservationVerdict.Hold:
                _book.AskAgainAt(key, hold, Later(decision.HoldUntil + _options.ExpiryGrace, now));
                break;
            default:
                _book.AskAgainAt(key, hold, now + UnansweredRetry);
                break;
        }
    }

    private static DateTimeOffset Later(DateTimeOffset at, DateTimeOffset now) => at > now ? at : now + UnansweredRetry;

    private async Task<ReservationDecision?> AskOrderAsync(HoldKey key)
    {
        try
        {
            return await GrainFactory.GetGrain<IOrderGrain>(key.OrderId).DecideExpiredHoldAsync(Sku, key.Attempt).WaitAsync(UnansweredRetry);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Order {OrderId} did not decide on the expired hold {Hold} of sku {Sku}; asking again later", key.OrderId, key, Sku);
            return null;
        }
    }

    private async Task KeepReminderInStepAsync()
    {
        if (_book.EntryCount > 0)
        {
            await ExpiryReminderAsync(retry: true);
        }
        else if (_reminderRegistered)
        {
            try
            {
                await ForgetReminderAsync();
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Could not forget the expiry reminder of sku {Sku}; the next sweep tries again", Sku);
            }
        }
    }

    /// <summary>
    /// Registers the expiry reminder unless it is registered, once for all the calls that wait for it. A failure is
    /// logged, not thrown: the holds are stored and the activation keeps watching them. Only a sweep tries again
    /// (<paramref name="retry"/>), so that a reminder service that keeps failing costs a try a second, not one per hold.
    /// </summary>
    private Task ExpiryReminderAsync(bool retry = false)
    {
        if (_reminderRegistered)
        {
            return Task.CompletedTask;
        }

        if (retry && _reminderRegistration is { IsCompleted: true })
        {
            _reminderRegistration = null;
        }

        return _reminderRegistration ??= RegisterAsync();

        async Task RegisterAsync()
        {
            try
            {
                await this.RegisterOrUpdateReminder(ExpiryReminder, _options.ReminderPeriod, _options.ReminderPeriod);
                _reminderRegistered = true;
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Could not register the expiry reminder of sku {Sku}; the next sweep tries again", Sku);
            }
        }
    }

    /// <summary>Waits for <see cref="ExpiryReminderAsync"/>, at most <see cref="ReminderPatience"/>.</summary>
    private Task ExpiryReminderOrPatienceAsync()
    {
        var registration = ExpiryReminderAsync();
        return registration.IsCompleted ? registration : PatientlyAsync(registration);

        static async Task PatientlyAsync(Task registration)
        {
            try
            {
                await registration.WaitAsync(ReminderPatience);
            }
            catch (TimeoutException)
            {
                // The registration goes on; the holds are stored and this activation's sweep watches them meanwhile.
            }
        }
    }

    private async Task ForgetReminderAsync()
    {
        ForgetRegistration();
        if (await this.GetReminder(ExpiryReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        // A hold taken while the reminder was being forgotten may have registered it just before it was removed:
        // whatever the flags say now, there is no reminder, and one is registered again if holds need it.
        ForgetRegistration();
        if (_book.EntryCount > 0)
        {
            await ExpiryReminderAsync();
        }

        void ForgetRegistration()
        {
            _reminderRegistered = false;
            _reminderRegistration = null;
        }
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
