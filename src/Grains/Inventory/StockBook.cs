namespace Doorbuster.Inventory;

/// <summary>
/// The stock of one sku in memory, and the changes not yet written. Every movement is one synchronous
/// method that either changes the book or returns why not, so that check-and-act is atomic on the
/// grain's scheduler, and <c>Available + Reserved + Sold == TotalRestocked</c> holds after every method.
/// </summary>
/// <remarks>
/// Writes cost what they change: <see cref="TakeWrite"/> hands over only the reservations touched since
/// the last write. Expiries sit in a priority queue with lazy deletion (a settled or re-timed hold leaves
/// a stale entry behind, skipped when it surfaces and compacted away when stale entries dominate), so
/// neither a write nor a sweep grows with the number of outstanding reservations.
/// </remarks>
public sealed class StockBook
{
    private readonly Dictionary<string, Reservation> _holds;
    private readonly PriorityQueue<(string OrderId, DateTimeOffset HoldExpiry), DateTimeOffset> _expiries = new();
    private Dictionary<string, Reservation?> _changedHolds = new(StringComparer.Ordinal);
    private Dictionary<string, RestockRecord> _newRestocks = new(StringComparer.Ordinal);
    private readonly TimeSpan _grace;
    private bool _countersChanged;

    private StockBook(StoredStock stored, TimeSpan grace)
    {
        Version = stored.Version;
        Available = stored.Available;
        Reserved = stored.Reserved;
        Sold = stored.Sold;
        TotalRestocked = stored.TotalRestocked;
        _grace = grace;
        _holds = new Dictionary<string, Reservation>(stored.Reservations, StringComparer.Ordinal);
        foreach (var (orderId, hold) in _holds)
        {
            _expiries.Enqueue((orderId, hold.ExpiresAt), hold.ExpiresAt + grace);
        }
    }

    /// <summary>The version of the stored stock this book continues from.</summary>
    public long Version { get; private set; }

    public long Available { get; private set; }

    public long Reserved { get; private set; }

    public long Sold { get; private set; }

    public long TotalRestocked { get; private set; }

    /// <summary>Orders holding units now.</summary>
    public int HoldCount => _holds.Count;

    /// <summary>True when there are changes that no write has taken yet.</summary>
    public bool HasChanges => _changedHolds.Count > 0 || _newRestocks.Count > 0 || _countersChanged;

    /// <summary>
    /// A book over <paramref name="stored"/>; a reservation is due for its order's verdict
    /// <paramref name="grace"/> after its expiry.
    /// </summary>
    public static StockBook From(StoredStock stored, TimeSpan grace) => new(stored, grace);

    public StockLevel Level(string sku) => new(sku, Available, Reserved, Sold, TotalRestocked);

    public bool TryGetHold(string orderId, out Reservation hold) => _holds.TryGetValue(orderId, out hold);

    public void Restock(int quantity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantity, 1);
        Available += quantity;
        TotalRestocked += quantity;
        _countersChanged = true;
    }

    /// <summary>Remembers a restock done under <paramref name="key"/>, to be written with the next batch.</summary>
    public void RecordRestock(string key, RestockRecord record) => _newRestocks[key] = record;

    /// <summary>
    /// Holds exactly <paramref name="quantity"/> units for <paramref name="orderId"/> until
    /// <paramref name="expiresAt"/> (never earlier than an existing hold of the order), all or nothing.
    /// </summary>
    public ReservationOutcome Reserve(string orderId, int quantity, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantity, 1);
        expiresAt = Reservation.Precision(expiresAt);
        if (expiresAt <= now)
        {
            return ReservationOutcome.Expired;
        }

        var held = _holds.TryGetValue(orderId, out var current) ? current.Quantity : 0;
        var expiry = held > 0 && current.ExpiresAt > expiresAt ? current.ExpiresAt : expiresAt;
        var retimed = held == 0 || expiry != current.ExpiresAt;
        if (held == quantity)
        {
            if (retimed)
            {
                SetHold(orderId, new Reservation(quantity, expiry), retimed);
            }

            return ReservationOutcome.AlreadyReserved;
        }

        var more = quantity - held;
        if (more > Available)
        {
            return ReservationOutcome.Insufficient;
        }

        Available -= more;
        Reserved += more;
        SetHold(orderId, new Reservation(quantity, expiry), retimed);
        return ReservationOutcome.Reserved;
    }

    /// <summary>
    /// Sells <paramref name="quantity"/> units for <paramref name="orderId"/> out of its hold: units held beyond
    /// it return to available, units missing are taken from available as far as there are any (never beyond).
    /// </summary>
    public SettlementOutcome Confirm(string orderId, int quantity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantity, 1);
        if (!_holds.Remove(orderId, out var hold))
        {
            return SettlementOutcome.NotReserved;
        }

        var sold = hold.Quantity >= quantity ? quantity : hold.Quantity + (int)Math.Min(quantity - hold.Quantity, Available);
        Reserved -= hold.Quantity;
        Available += hold.Quantity - sold;
        Sold += sold;
        _changedHolds[orderId] = null;
        _countersChanged = true;
        return sold == quantity ? SettlementOutcome.Confirmed : SettlementOutcome.ConfirmedShort;
    }

    /// <summary>
    /// Returns what <paramref name="orderId"/> holds to available. With <paramref name="onlyHeldUntil"/>, only
    /// a hold that still carries that expiry: the one a particular checkout attempt made, not one that a later
    /// attempt of the same order has taken over since (a later attempt re-times the hold to its own expiry).
    /// </summary>
    public SettlementOutcome Release(string orderId, DateTimeOffset? onlyHeldUntil = null)
    {
        if (!_holds.TryGetValue(orderId, out var hold))
        {
            return SettlementOutcome.NotReserved;
        }

        if (onlyHeldUntil is { } attempt && hold.ExpiresAt != Reservation.Precision(attempt))
        {
            return SettlementOutcome.HeldByAnotherAttempt;
        }

        _holds.Remove(orderId);

        Reserved -= hold.Quantity;
        Available += hold.Quantity;
        _changedHolds[orderId] = null;
        _countersChanged = true;
        return SettlementOutcome.Released;
    }

    /// <summary>
    /// Takes up to <paramref name="max"/> holds that are due for their order's verdict at <paramref name="now"/>.
    /// A taken hold stays held; its entry comes back only through <see cref="AskAgainAt"/>.
    /// </summary>
    public List<(string OrderId, Reservation Hold)> TakeDue(DateTimeOffset now, int max)
    {
        var due = new List<(string, Reservation)>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        while (due.Count < max && _expiries.TryPeek(out var entry, out var dueAt) && dueAt <= now)
        {
            _expiries.Dequeue();
            if (_holds.TryGetValue(entry.OrderId, out var hold) && hold.ExpiresAt == entry.HoldExpiry && taken.Add(entry.OrderId))
            {
                due.Add((entry.OrderId, hold));
            }
        }

        CompactWhenMostlyStale();
        return due;
    }

    /// <summary>Brings a taken hold back for another verdict at <paramref name="at"/> (the order said "hold", or did not answer).</summary>
    public void AskAgainAt(string orderId, Reservation hold, DateTimeOffset at)
    {
        if (_holds.TryGetValue(orderId, out var current) && current == hold)
        {
            _expiries.Enqueue((orderId, hold.ExpiresAt), at);
        }
    }

    /// <summary>Hands the changes since the last write to one write, and starts collecting the next.</summary>
    public StockWrite TakeWrite()
    {
        var write = new StockWrite(Version, Available, Reserved, Sold, TotalRestocked, _changedHolds, _newRestocks);
        _changedHolds = new Dictionary<string, Reservation?>(StringComparer.Ordinal);
        _newRestocks = new Dictionary<string, RestockRecord>(StringComparer.Ordinal);
        _countersChanged = false;
        return write;
    }

    /// <summary>Called when a write taken by <see cref="TakeWrite"/> is stored.</summary>
    public void Stored(StockWrite write) => Version = write.ExpectedVersion + 1;

    /// <summary>Sets a hold; a new or re-timed one gets an entry in the expiry queue (a quantity change keeps the entry it has).</summary>
    private void SetHold(string orderId, Reservation hold, bool retimed)
    {
        _holds[orderId] = hold;
        _changedHolds[orderId] = hold;
        _countersChanged = true;
        if (retimed)
        {
            _expiries.Enqueue((orderId, hold.ExpiresAt), hold.ExpiresAt + _grace);
        }
    }

    private void CompactWhenMostlyStale()
    {
        if (_expiries.Count <= 1024 + (2 * _holds.Count))
        {
            return;
        }

        var live = _expiries.UnorderedItems
            .Where(item => _holds.TryGetValue(item.Element.OrderId, out var hold) && hold.ExpiresAt == item.Element.HoldExpiry)
            .ToList();
        _expiries.Clear();
        _expiries.EnqueueRange(live.Select(item => (item.Element, item.Priority)));
    }
}
