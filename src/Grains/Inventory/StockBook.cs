namespace Doorbuster.Inventory;

/// <summary>
/// The stock of one sku in memory, and the changes not yet written. Every movement is one synchronous
/// method that either changes the book or returns why not, so that check-and-act is atomic on the
/// grain's scheduler, and <c>Available + Reserved + Sold == TotalRestocked</c> holds after every method.
/// </summary>
/// <remarks>
/// Holds are keyed by (order, checkout attempt): a method touches the one attempt it names and no other,
/// which is the fence that keeps an abandoned attempt from re-timing, lowering, releasing or confirming the
/// hold of the attempt its order names. A confirmed hold is remembered (as sold) for a while, so a repeated
/// confirmation is told so rather than "nothing held". Writes cost what they change: <see cref="TakeWrite"/>
/// hands over only the entries touched since the last write. Due times sit in a priority queue with lazy
/// deletion (an entry that changed leaves a stale item behind, skipped when it surfaces and compacted away
/// when stale items dominate), so neither a write nor a sweep grows with the number of entries.
/// </remarks>
public sealed class StockBook
{
    private readonly Dictionary<HoldKey, Reservation> _entries;
    private readonly PriorityQueue<(HoldKey Key, DateTimeOffset Stamp), DateTimeOffset> _due = new();
    private Dictionary<HoldKey, Reservation?> _changedEntries = [];
    private Dictionary<string, RestockRecord> _newRestocks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RestockRecord> _restocks;
    private List<string> _purge;
    private readonly TimeSpan _grace;
    private readonly TimeSpan _confirmationMemory;
    private bool _countersChanged;

    private StockBook(StoredStock stored, TimeSpan grace, TimeSpan confirmationMemory)
    {
        Version = stored.Version;
        Available = stored.Available;
        Reserved = stored.Reserved;
        Sold = stored.Sold;
        TotalRestocked = stored.TotalRestocked;
        _grace = grace;
        _confirmationMemory = confirmationMemory;
        _entries = new Dictionary<HoldKey, Reservation>(stored.Reservations);
        _restocks = new Dictionary<string, RestockRecord>(stored.Restocks ?? new Dictionary<string, RestockRecord>(), StringComparer.Ordinal);
        _purge = [.. stored.Purge ?? []];
        foreach (var (key, entry) in _entries)
        {
            _due.Enqueue((key, entry.ExpiresAt), DueAt(entry));
        }
    }

    /// <summary>The version of the stored stock this book continues from.</summary>
    public long Version { get; private set; }

    public long Available { get; private set; }

    public long Reserved { get; private set; }

    public long Sold { get; private set; }

    public long TotalRestocked { get; private set; }

    /// <summary>Holds and remembered confirmations: each needs a sweep before the book can rest.</summary>
    public int EntryCount => _entries.Count;

    /// <summary>True when there are changes that no write has taken yet.</summary>
    public bool HasChanges => _changedEntries.Count > 0 || _newRestocks.Count > 0 || _countersChanged;

    /// <summary>Entries and restock records changed since the last write was taken: what the next write will carry.</summary>
    public int PendingChanges => _changedEntries.Count + _newRestocks.Count;

    /// <summary>
    /// A book over <paramref name="stored"/>. A hold is due for its order's verdict <paramref name="grace"/>
    /// after its expiry; a confirmation is remembered for <paramref name="confirmationMemory"/> (by default
    /// <see cref="Holds.ConfirmationMemory"/>).
    /// </summary>
    public static StockBook From(StoredStock stored, TimeSpan grace, TimeSpan? confirmationMemory = null) =>
        new(stored, grace, confirmationMemory ?? Holds.ConfirmationMemory);

    public StockLevel Level(string sku) => new(sku, Available, Reserved, Sold, TotalRestocked);

    public bool TryGetEntry(HoldKey key, out Reservation entry) => _entries.TryGetValue(key, out entry);

    public void Restock(int quantity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantity, 1);
        Available += quantity;
        TotalRestocked += quantity;
        _countersChanged = true;
    }

    /// <summary>
    /// Makes the next write carry the counters even if nothing changed: a write that continues from this book's
    /// version proves that no other activation wrote since, and fails if one did.
    /// </summary>
    public void ProveCurrent() => _countersChanged = true;

    /// <summary>Remembers a restock done under <paramref name="key"/>, to be written with the next batch.</summary>
    public void RecordRestock(string key, RestockRecord record)
    {
        _restocks[key] = record;
        _newRestocks[key] = record;
    }

    /// <summary>The restock done under <paramref name="key"/>, as far as this book knows (written, or to be written).</summary>
    public bool TryGetRestock(string key, out RestockRecord record) => _restocks.TryGetValue(key, out record!);

    /// <summary>Learns a restock recorded elsewhere (by the earlier release), without writing it again.</summary>
    public void KnowRestock(string key, RestockRecord record) => _restocks.TryAdd(key, record);

    /// <summary>
    /// Holds exactly <paramref name="quantity"/> units for one attempt until <paramref name="expiresAt"/>, all or
    /// nothing. A repeat changes nothing (the attempt keeps the expiry it reserved with); a confirmed hold is
    /// never held again.
    /// </summary>
    public ReservationOutcome Reserve(HoldKey key, int quantity, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantity, 1);
        expiresAt = Reservation.Precision(expiresAt);
        if (expiresAt <= now)
        {
            return ReservationOutcome.Expired;
        }

        var held = _entries.TryGetValue(key, out var current);
        if (held && (current.Confirmed || current.Quantity == quantity))
        {
            return ReservationOutcome.AlreadyReserved;
        }

        var more = quantity - (held ? current.Quantity : 0);
        if (more > Available)
        {
            return ReservationOutcome.Insufficient;
        }

        Available -= more;
        Reserved += more;
        Set(key, held ? current with { Quantity = quantity } : new Reservation(quantity, expiresAt), newDueTime: !held);
        return ReservationOutcome.Reserved;
    }

    /// <summary>
    /// Sells <paramref name="quantity"/> units out of one attempt's hold: units held beyond it return to
    /// available, units missing are taken from available as far as there are any (never beyond). The hold is
    /// then remembered as confirmed.
    /// </summary>
    public HoldOutcome Confirm(HoldKey key, int quantity, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantity, 1);
        if (!_entries.TryGetValue(key, out var hold))
        {
            return HoldOutcome.NotHeld;
        }

        if (hold.Confirmed)
        {
            return HoldOutcome.AlreadyConfirmed;
        }

        var sold = hold.Quantity >= quantity ? quantity : hold.Quantity + (int)Math.Min(quantity - hold.Quantity, Available);
        Reserved -= hold.Quantity;
        Available += hold.Quantity - sold;
        Sold += sold;
        Set(key, new Reservation(sold, Reservation.Precision(now + _confirmationMemory), Confirmed: true), newDueTime: true);
        return sold == quantity ? HoldOutcome.Confirmed : HoldOutcome.ConfirmedShort;
    }

    /// <summary>Returns what one attempt holds to available; a confirmed hold stays sold.</summary>
    public HoldOutcome Release(HoldKey key)
    {
        if (!_entries.TryGetValue(key, out var hold))
        {
            return HoldOutcome.NotHeld;
        }

        if (hold.Confirmed)
        {
            return HoldOutcome.AlreadyConfirmed;
        }

        _entries.Remove(key);
        Reserved -= hold.Quantity;
        Available += hold.Quantity;
        _changedEntries[key] = null;
        _countersChanged = true;
        return HoldOutcome.Released;
    }

    /// <summary>
    /// Takes up to <paramref name="max"/> holds that are due for their order's verdict at <paramref name="now"/>
    /// (a taken hold stays held; it comes back only through <see cref="AskAgainAt"/>), and forgets the
    /// confirmations whose memory has run out — all in all at most <paramref name="room"/> entries, each of which
    /// the next write will carry.
    /// </summary>
    public List<(HoldKey Key, Reservation Hold)> TakeDue(DateTimeOffset now, int max, int room = int.MaxValue)
    {
        var due = new List<(HoldKey, Reservation)>();
        var taken = new HashSet<HoldKey>();
        var forgotten = 0;
        while (due.Count < max && due.Count + forgotten < room && _due.TryPeek(out var item, out var dueAt) && dueAt <= now)
        {
            _due.Dequeue();
            if (!_entries.TryGetValue(item.Key, out var entry) || entry.ExpiresAt != item.Stamp)
            {
                continue;
            }

            if (entry.Confirmed)
            {
                _entries.Remove(item.Key);
                _changedEntries[item.Key] = null;
                forgotten++;
            }
            else if (taken.Add(item.Key))
            {
                due.Add((item.Key, entry));
            }
        }

        CompactWhenMostlyStale();
        return due;
    }

    /// <summary>Brings a taken hold back for another verdict at <paramref name="at"/> (the order said "hold", or did not answer).</summary>
    public void AskAgainAt(HoldKey key, Reservation hold, DateTimeOffset at)
    {
        if (_entries.TryGetValue(key, out var current) && current == hold)
        {
            _due.Enqueue((key, hold.ExpiresAt), at);
        }
    }

    /// <summary>Hands the changes since the last write to one write, and starts collecting the next.</summary>
    public StockWrite TakeWrite()
    {
        // A field this write sets again is not removed after it: the set is the newer word.
        if (_purge.Count > 0)
        {
            var set = new HashSet<string>(_changedEntries.Keys.Select(key => key.Field), StringComparer.Ordinal);
            set.UnionWith(_newRestocks.Keys.Select(key => "!" + key));
            _purge.RemoveAll(set.Contains);
        }
        var write = new StockWrite(Version, Available, Reserved, Sold, TotalRestocked, _changedEntries, _newRestocks, _purge);
        _changedEntries = [];
        _newRestocks = new Dictionary<string, RestockRecord>(StringComparer.Ordinal);
        _purge = [];
        _countersChanged = false;
        return write;
    }

    /// <summary>
    /// Called when a write taken by <see cref="TakeWrite"/> is stored: the entries it deleted are tombstones in
    /// Redis now, and the next write removes them for good.
    /// </summary>
    public void Stored(StockWrite write)
    {
        Version = write.ExpectedVersion + 1;
        _purge.AddRange(write.Holds.Where(change => change.Value is null).Select(change => change.Key.Field));
    }

    private DateTimeOffset DueAt(Reservation entry) => entry.Confirmed ? entry.ExpiresAt : entry.ExpiresAt + _grace;

    /// <summary>Sets an entry; a new one (or one whose expiry changed) gets an item in the due queue.</summary>
    private void Set(HoldKey key, Reservation entry, bool newDueTime)
    {
        _entries[key] = entry;
        _changedEntries[key] = entry;
        _countersChanged = true;
        if (newDueTime)
        {
            _due.Enqueue((key, entry.ExpiresAt), DueAt(entry));
        }
    }

    private void CompactWhenMostlyStale()
    {
        if (_due.Count <= 1024 + (2 * _entries.Count))
        {
            return;
        }

        var live = _due.UnorderedItems
            .Where(item => _entries.TryGetValue(item.Element.Key, out var entry) && entry.ExpiresAt == item.Element.Stamp)
            .ToList();
        _due.Clear();
        _due.EnqueueRange(live.Select(item => (item.Element, item.Priority)));
    }
}
