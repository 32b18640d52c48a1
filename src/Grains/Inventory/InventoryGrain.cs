using Doorbuster.Diagnostics;
using Orleans.Concurrency;
using Doorbuster.Persistence;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Doorbuster.Inventory;

/// <summary>
/// The stock of one sku, with group commit: calls interleave, each applies its movement to memory in one
/// synchronous step (so check-and-reserve is atomic), then waits for the single Redis write that carries it.
/// Reads return the last persisted level, never a change that could still be rolled back.
/// </summary>
[Reentrant]
public sealed class InventoryGrain : Grain, IInventoryGrain, IRemindable
{
    private const string ExpiryReminder = "reservation-expiry";

    private readonly IPersistentState<InventoryState> _state;
    private readonly DoorbusterMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly InventoryOptions _options;
    private readonly ILogger<InventoryGrain> _logger;
    private readonly GroupCommit _commit;
    private InventoryState _persisted = new();
    private StockLevel _persistedLevel = new("", 0, 0, 0, 0);
    private IGrainTimer? _sweepTimer;
    private bool _reminderRegistered;

    public InventoryGrain(
        [PersistentState("stock", StorageNames.Inventory)] IPersistentState<InventoryState> state,
        DoorbusterMetrics metrics,
        TimeProvider time,
        IOptions<InventoryOptions> options,
        ILogger<InventoryGrain> logger)
    {
        _state = state;
        _metrics = metrics;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _commit = new GroupCommit(WriteAsync, RestorePersisted, metrics.InventoryWriteBatch);
    }

    private string Sku => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Remember(_state.State.Clone());
        if (_state.State.Reservations.Count > 0)
        {
            // Reservations that expired while no activation was watching are returned now.
            if (ExpireDue() > 0)
            {
                await _commit.CommitAsync();
            }

            await WatchExpiriesAsync();
        }
    }

    public Task<StockLevel> GetAsync() => Task.FromResult(_persistedLevel);

    public async Task<StockLevel> RestockAsync(int quantity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantity, 1);
        var stock = _state.State;
        stock.Available += quantity;
        stock.TotalRestocked += quantity;
        await _commit.CommitAsync();
        return _persistedLevel;
    }

    public async Task<ReservationResult> ReserveAsync(string orderId, int quantity, DateTimeOffset expiresAt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantity, 1);
        var stock = _state.State;
        ReservationOutcome outcome;
        if (stock.Reservations.ContainsKey(orderId))
        {
            outcome = ReservationOutcome.AlreadyReserved;
        }
        else if (stock.Settled.ContainsKey(orderId))
        {
            outcome = ReservationOutcome.AlreadySettled;
        }
        else if (expiresAt <= _time.GetUtcNow())
        {
            outcome = ReservationOutcome.Expired;
        }
        else if (stock.Available < quantity)
        {
            _metrics.Reservation("insufficient");
            return new ReservationResult(ReservationOutcome.Insufficient, stock.Available);
        }
        else
        {
            stock.Available -= quantity;
            stock.Reservations[orderId] = new Reservation(quantity, expiresAt);
            outcome = ReservationOutcome.Reserved;
        }

        // A repeat also waits: the change it repeats may still be on its way to Redis.
        await _commit.CommitAsync();
        _metrics.Reservation(outcome == ReservationOutcome.Reserved ? "reserved" : "duplicate");
        if (outcome == ReservationOutcome.Reserved)
        {
            await WatchExpiriesAsync();
        }

        return new ReservationResult(outcome, _persistedLevel.Available);
    }

    public Task<SettlementOutcome> ConfirmAsync(string orderId) => SettleAsync(orderId, confirm: true);

    public Task<SettlementOutcome> ReleaseAsync(string orderId) => SettleAsync(orderId, confirm: false);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ExpiryReminder)
        {
            return;
        }

        if (ExpireDue() > 0)
        {
            await _commit.CommitAsync();
        }

        if (_state.State.Reservations.Count == 0 && !_commit.IsWriting)
        {
            var reminder = await this.GetReminder(ExpiryReminder);
            if (reminder is not null)
            {
                await this.UnregisterReminder(reminder);
            }

            _reminderRegistered = false;
        }
    }

    private async Task<SettlementOutcome> SettleAsync(string orderId, bool confirm)
    {
        var stock = _state.State;
        SettlementOutcome outcome;
        if (stock.Reservations.TryGetValue(orderId, out var reservation))
        {
            var now = _time.GetUtcNow();
            var lapsed = now >= reservation.ExpiresAt + _options.ExpiryGrace;
            if (confirm && !lapsed)
            {
                stock.Reservations.Remove(orderId);
                stock.Sold += reservation.Quantity;
                RecordSettlement(orderId, confirmed: true, now);
                outcome = SettlementOutcome.Confirmed;
            }
            else
            {
                stock.Reservations.Remove(orderId);
                stock.Available += reservation.Quantity;
                RecordSettlement(orderId, confirmed: false, now);
                outcome = confirm ? SettlementOutcome.AlreadyReleased : SettlementOutcome.Released;
            }
        }
        else if (stock.Settled.TryGetValue(orderId, out var settlement))
        {
            outcome = settlement.Confirmed ? SettlementOutcome.AlreadyConfirmed : SettlementOutcome.AlreadyReleased;
        }
        else
        {
            return SettlementOutcome.NotReserved;
        }

        await _commit.CommitAsync();
        return outcome;
    }

    private void RecordSettlement(string orderId, bool confirmed, DateTimeOffset now)
    {
        var settled = _state.State.Settled;
        settled[orderId] = new Settlement(confirmed, now);
        if (settled.Count > _options.MaxSettled)
        {
            ForgetSettled(now);
        }
    }

    /// <summary>
    /// Forgets settled order ids past their retention and, over the cap, the oldest down to a tenth below it,
    /// so that the sort is paid once per many settlements rather than on each one of a hot sale.
    /// </summary>
    private void ForgetSettled(DateTimeOffset now)
    {
        var settled = _state.State.Settled;
        var cutoff = now - _options.SettledRetention;
        var keep = settled.Count > _options.MaxSettled ? _options.MaxSettled - (_options.MaxSettled / 10) : int.MaxValue;
        var forget = settled
            .OrderByDescending(entry => entry.Value.SettledAt)
            .Where((entry, newest) => newest >= keep || entry.Value.SettledAt < cutoff)
            .Select(entry => entry.Key)
            .ToList();
        foreach (var key in forget)
        {
            settled.Remove(key);
        }
    }

    /// <summary>Returns every reservation past its expiry (plus grace) to available; the count it returned.</summary>
    private int ExpireDue()
    {
        var now = _time.GetUtcNow();
        var stock = _state.State;
        var due = stock.Reservations
            .Where(entry => now >= entry.Value.ExpiresAt + _options.ExpiryGrace)
            .ToList();
        foreach (var (orderId, reservation) in due)
        {
            stock.Reservations.Remove(orderId);
            stock.Available += reservation.Quantity;
            RecordSettlement(orderId, confirmed: false, now);
        }

        if (due.Count > 0)
        {
            _logger.LogInformation("Returned {Count} expired reservations of sku {Sku}", due.Count, Sku);
        }

        return due.Count;
    }

    /// <summary>
    /// While reservations are outstanding, a timer sweeps them on time and a reminder brings the grain back
    /// to do so if its activation is collected or its silo dies.
    /// </summary>
    private async Task WatchExpiriesAsync()
    {
        _sweepTimer ??= this.RegisterGrainTimer(
            SweepAsync,
            new GrainTimerCreationOptions(_options.SweepInterval, _options.SweepInterval) { Interleave = true });
        if (!_reminderRegistered)
        {
            _reminderRegistered = true;
            await this.RegisterOrUpdateReminder(ExpiryReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        ForgetSettled(_time.GetUtcNow());
        if (ExpireDue() > 0)
        {
            await _commit.CommitAsync();
        }

        if (_state.State.Reservations.Count == 0)
        {
            _sweepTimer?.Dispose();
            _sweepTimer = null;
        }
    }

    private async Task WriteAsync()
    {
        var written = _state.State.Clone();
        await _state.WriteStateAsync();
        Remember(written);
    }

    private void RestorePersisted()
    {
        _logger.LogWarning("An inventory write of sku {Sku} failed; going back to the persisted stock", Sku);
        _state.State = _persisted.Clone();
    }

    private void Remember(InventoryState persisted)
    {
        _persisted = persisted;
        _persistedLevel = new StockLevel(Sku, persisted.Available, persisted.Reserved, persisted.Sold, persisted.TotalRestocked);
    }
}
