using System.Security.Cryptography;
using Doorbuster.Catalog;
using Doorbuster.Hosting;
using Doorbuster.Inventory;
using Doorbuster.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Doorbuster.Sales;

/// <summary>
/// A flash sale's waiting room (<see cref="ISaleGrain"/>). Every half second, while the sale runs, it asks its
/// skus' inventories whether anything is left (sold out: nothing available in any of them), and admits the next
/// positions at the sale's rate — stored in Redis before anyone can read them. It keeps no per-shopper state
/// but the claimed positions: tickets carry their place, signed, and are read by the Api.
/// </summary>
/// <remarks>
/// Reentrant: joins from several Apis and the admission step interleave, and every count it keeps in memory
/// only ever grows to what Redis answered, so interleaving cannot move one back. Kept active while the sale runs
/// (its timer keeps it alive), so admissions do not stop when nobody polls. After a crash the next activation
/// reads everything back from Redis and admits no faster than the rate: it does not catch up on the gap.
/// </remarks>
[Reentrant]
public sealed class SaleGrain(
    SaleStore store,
    IGrainFactory grains,
    [FromKeyedServices(DomainClock.Key)] TimeProvider time,
    ILogger<SaleGrain> logger) : Grain, ISaleGrain
{
    /// <summary>How often the sale admits and looks at its stock: sold out is seen within this plus the Api's cache age.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromMilliseconds(500);

    /// <summary>Admission steps a snapshot carries (a 5-minute validity holds 600).</summary>
    private const int MaxAdmissionsShown = 600;

    /// <summary>The most one step admits for: a pause (a crash, a stalled silo) is not made up in one burst.</summary>
    private static readonly TimeSpan LongestStep = TimeSpan.FromSeconds(1);

    /// <summary>The seed of the pre-queue's order, should this activation be the one to draw it at the start.</summary>
    private readonly ulong _seed = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(sizeof(ulong)));

    /// <summary>
    /// Definitions and ends, one at a time: each writes the directory and the sale in turn, and two of them
    /// interleaved could leave the directory gating what the sale no longer is (an ended sale, an old sku list).
    /// </summary>
    private readonly SemaphoreSlim _changing = new(1, 1);

    private StoredSale? _sale;
    private bool _soldOut;
    private double _carry;
    private DateTimeOffset _lastStep;
    private IGrainTimer? _timer;

    private string SaleId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _sale = await store.ReadAsync(SaleId);
        _lastStep = time.GetUtcNow();
        KeepRunning();
    }

    public Task<SaleSnapshot?> GetAsync() => Task.FromResult(Snapshot());

    public async Task<SaleDefineResult> DefineAsync(SaleDefinition definition)
    {
        var products = await Task.WhenAll(definition.Skus.Select(sku => grains.GetGrain<IProductGrain>(sku).GetAsync()));
        var unknown = definition.Skus.Where((_, i) => products[i] is null).ToArray();
        if (unknown.Length > 0)
        {
            return new SaleDefineResult(SaleDefineOutcome.UnknownSkus, Snapshot(), unknown, null);
        }

        return await InTurnAsync(() => DefineInTurnAsync(definition));
    }

    public Task<SaleSnapshot?> EndAsync() => InTurnAsync(EndInTurnAsync);

    private async Task<T> InTurnAsync<T>(Func<Task<T>> change)
    {
        await _changing.WaitAsync();
        try
        {
            return await change();
        }
        finally
        {
            _changing.Release();
        }
    }

    /// <summary>
    /// The directory first, then the sale: the directory is where a sku is given to one sale at a time, so a sale
    /// whose skus another sale holds is refused before anything is stored. A store that certainly did not take the
    /// definition gives the directory back what it had; one that may have taken it leaves both for the repeat.
    /// </summary>
    private async Task<SaleDefineResult> DefineInTurnAsync(SaleDefinition definition)
    {
        var directory = grains.GetGrain<ISaleDirectoryGrain>(ISaleDirectoryGrain.Key);
        var now = time.GetUtcNow();
        if (_sale is { } current && Refusal(current, definition, now) is { } reason)
        {
            if (current.EndedAt is not null)
            {
                // An end whose directory update failed, and was not repeated, is finished by whoever comes next.
                await RestoreDirectoryAsync(directory, null);
            }

            return new SaleDefineResult(SaleDefineOutcome.Refused, Snapshot(), [], reason);
        }

        var previous = _sale is { } known ? Gated(known.Definition) : null;
        if (await directory.GateAsync(Gated(definition)) is { } holder)
        {
            var shared = string.Join(", ", definition.Skus.Intersect(holder.Skus, StringComparer.Ordinal).Select(sku => $"'{sku}'"));
            return new SaleDefineResult(
                SaleDefineOutcome.Refused, Snapshot(), [], $"Sku {shared} is in sale '{holder.SaleId}' until it ends; a sku is in one sale at a time.");
        }

        bool stored;
        try
        {
            stored = await store.DefineAsync(SaleId, definition, _sale?.TicketKey ?? SaleTickets.NewKey());
        }
        catch (StoreUnavailableException failure) when (!failure.MayHaveBeenApplied)
        {
            await RestoreDirectoryAsync(directory, previous);
            throw;
        }

        if (!stored)
        {
            // Ended by another activation meanwhile: an ended sale gates nothing.
            _sale = await store.ReadAsync(SaleId);
            await RestoreDirectoryAsync(directory, null);
            return new SaleDefineResult(SaleDefineOutcome.Refused, Snapshot(), [], "The sale has ended; define a new one under another id.");
        }

        _sale = _sale is null
            ? await store.ReadAsync(SaleId) ?? throw new StoreUnavailableException(mayHaveBeenApplied: true, $"Sale {SaleId} was stored but could not be read back.")
            : _sale with { Definition = definition };
        KeepRunning();
        return new SaleDefineResult(SaleDefineOutcome.Defined, Snapshot(), [], null);
    }

    /// <summary>Gives the directory back <paramref name="previous"/> (none: the sale is not gated), as far as it can.</summary>
    private async Task RestoreDirectoryAsync(ISaleDirectoryGrain directory, GatedSale? previous)
    {
        try
        {
            if (previous is null)
            {
                await directory.RemoveAsync(SaleId);
            }
            else
            {
                await directory.GateAsync(previous);
            }
        }
        catch (Exception exception)
        {
            // The caller is told the definition failed and repeats it, or ends the sale; either puts the directory right.
            logger.LogWarning(exception, "Sale {SaleId}: the directory could not be given back what it gated before a definition that was not stored", SaleId);
        }
    }

    private GatedSale Gated(SaleDefinition definition) => new(SaleId, definition.Skus, definition.StartsAt);

    private async Task<SaleSnapshot?> EndInTurnAsync()
    {
        if (_sale is null)
        {
            // No such sale; but a definition that failed after the directory gated its skus may have left them
            // gated, and an end is how an operator clears that.
            await RestoreDirectoryAsync(grains.GetGrain<ISaleDirectoryGrain>(ISaleDirectoryGrain.Key), null);
            return null;
        }

        if (_sale.EndedAt is null)
        {
            var now = time.GetUtcNow();
            await store.EndAsync(SaleId, now);
            _sale = _sale with { EndedAt = now };
            logger.LogInformation("Sale {SaleId} ended: {Joined} joined, {Admitted} admitted, {Claimed} tickets used", SaleId, _sale.PreJoined + _sale.PostJoined, _sale.Admitted, _sale.Claims.Count);
        }

        // Repeated on every end, so that an end whose directory update failed is completed by its retry. The end
        // itself is stored by now: a directory that refused must not reach the caller as "not applied".
        await StoreFailures.AfterStoredChangeAsync(
            () => grains.GetGrain<ISaleDirectoryGrain>(ISaleDirectoryGrain.Key).RemoveAsync(SaleId),
            "The sale has ended, but its skus are still gated at checkout");
        KeepRunning();
        return Snapshot();
    }

    public async Task<JoinResult> JoinAsync(string[] clients)
    {
        if (_sale is null || _sale.EndedAt is not null)
        {
            return new JoinResult(_sale is null ? JoinOutcome.NotFound : JoinOutcome.Ended, [], Snapshot());
        }

        var joined = await store.JoinAsync(SaleId, _sale.Definition.TicketsPerClient, time.GetUtcNow(), _sale.Definition.StartsAt, _seed, clients);
        if (joined.Outcome == JoinOutcome.Ended)
        {
            _sale = await store.ReadAsync(SaleId);
        }
        else if (joined.Outcome == JoinOutcome.Joined)
        {
            _sale = _sale with
            {
                Draw = _sale.Draw ?? joined.Draw,
                PreJoined = Math.Max(_sale.PreJoined, -joined.Places.DefaultIfEmpty().Min()),
                PostJoined = Math.Max(_sale.PostJoined, joined.Places.DefaultIfEmpty().Max()),
            };
        }

        return new JoinResult(joined.Outcome, joined.Places, Snapshot());
    }

    public async Task<ClaimOutcome> ClaimAsync(string ticket, string orderId)
    {
        if (_sale is null || _sale.EndedAt is not null)
        {
            return ClaimOutcome.Ended;
        }

        if (!SaleTickets.TryRead(_sale.TicketKey, SaleId, ticket, out var place))
        {
            return ClaimOutcome.Invalid;
        }

        if (SaleTickets.PositionOf(place, _sale.Draw) is not { } position)
        {
            // A pre-queue ticket in the half second between the start and the draw: its turn has not come.
            return ClaimOutcome.NotAdmitted;
        }

        if (_sale.Claims.TryGetValue(position, out var holder))
        {
            return holder == orderId ? ClaimOutcome.Claimed : ClaimOutcome.Used;
        }

        if (position > _sale.Admitted)
        {
            return ClaimOutcome.NotAdmitted;
        }

        if (AdmittedAt(position) + _sale.Definition.AdmissionValidFor < time.GetUtcNow())
        {
            return ClaimOutcome.Expired;
        }

        if (!await store.ClaimAsync(SaleId, position, orderId))
        {
            // Another activation of this sale let a checkout through with it: read who, for the next repeat.
            _sale = await store.ReadAsync(SaleId) ?? _sale;
            return _sale.Claims.GetValueOrDefault(position) == orderId ? ClaimOutcome.Claimed : ClaimOutcome.Used;
        }

        _sale.Claims[position] = orderId;
        return ClaimOutcome.Claimed;
    }

    public async Task ReleaseClaimAsync(string ticket, string orderId)
    {
        if (_sale is not null && PositionOf(ticket) is { } position && _sale.Claims.GetValueOrDefault(position) == orderId)
        {
            await store.ReleaseAsync(SaleId, position, orderId);
            _sale.Claims.Remove(position);
        }
    }

    private long? PositionOf(string ticket) =>
        SaleTickets.TryRead(_sale!.TicketKey, SaleId, ticket, out var place) ? SaleTickets.PositionOf(place, _sale.Draw) : null;

    private static string? Refusal(StoredSale current, SaleDefinition definition, DateTimeOffset now) =>
        current.EndedAt is not null ? "The sale has ended; define a new one under another id."
        : now >= current.Definition.StartsAt && definition.StartsAt != current.Definition.StartsAt ? "The sale has started: its start cannot change."
        : now >= current.Definition.StartsAt && !definition.Skus.Order(StringComparer.Ordinal).SequenceEqual(current.Definition.Skus.Order(StringComparer.Ordinal))
            ? "The sale has started: its skus cannot change."
        : null;

    /// <summary>Runs the admission step while the sale is defined and not ended; stops it otherwise.</summary>
    private void KeepRunning()
    {
        if (_sale is { EndedAt: null })
        {
            _timer ??= this.RegisterGrainTimer(StepAsync, new GrainTimerCreationOptions(Step, Step) { Interleave = true, KeepAlive = true });
        }
        else
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    private async Task StepAsync(CancellationToken cancellationToken)
    {
        if (_sale is not { EndedAt: null } sale)
        {
            KeepRunning();
            return;
        }

        var now = time.GetUtcNow();
        var elapsed = now - _lastStep < LongestStep ? now - _lastStep : LongestStep;
        _lastStep = now;
        if (now < sale.Definition.StartsAt)
        {
            return;
        }

        try
        {
            var stock = await Task.WhenAll(sale.Definition.Skus.Select(sku => grains.GetGrain<IInventoryGrain>(sku).GetAsync()));
            var soldOut = stock.All(level => level.Available <= 0);
            if (soldOut != _soldOut)
            {
                logger.LogInformation("Sale {SaleId} is {State}", SaleId, soldOut ? "sold out: waiting tickets are told" : "selling again: units came back");
                _soldOut = soldOut;
            }

            // Admissions pause while nothing is left: whoever is admitted then could only be told "insufficient stock".
            var step = _soldOut ? 0 : (sale.Definition.AdmitPerSecond * elapsed.TotalSeconds) + _carry;
            var admit = (long)Math.Floor(step);
            if (admit == 0 && sale.Draw is not null)
            {
                // Nothing to admit and the draw is fixed: the script would change nothing (sold out, or a slow rate).
                _carry = step;
                return;
            }

            var (draw, admitted) = await store.AdmitAsync(SaleId, sale.Admitted, admit, now, sale.Definition.StartsAt, _seed);
            if (admitted < 0)
            {
                _sale = await store.ReadAsync(SaleId);
                KeepRunning();
                return;
            }

            // What could not be admitted for want of anyone waiting is not saved up for a burst later.
            _carry = admitted - _sale!.Admitted >= admit ? step - admit : 0;
            if (admitted > _sale.Admitted)
            {
                _sale.Admissions.Add(new Admission(admitted, now));
                _sale = _sale with { Admitted = admitted, Draw = _sale.Draw ?? draw };
            }
            else if (_sale.Draw is null && draw is not null)
            {
                _sale = _sale with { Draw = draw };
            }
        }
        catch (Exception exception)
        {
            // The next step tries again; what was stored stays stored, and nothing unstored was published.
            logger.LogWarning(exception, "Sale {SaleId} could not take its admission step", SaleId);
        }
    }

    private DateTimeOffset AdmittedAt(long position)
    {
        foreach (var admission in _sale!.Admissions)
        {
            if (admission.Through >= position)
            {
                return admission.At;
            }
        }

        return DateTimeOffset.MinValue;
    }

    /// <summary>
    /// At most <see cref="MaxAdmissionsShown"/> admission steps for the Api: a long validity (up to a day) holds
    /// thousands. Each step kept stands for those before it, so the Api may show an admission as valid up to one
    /// group's span longer than it is; the claim, checked here against every step, is what decides.
    /// </summary>
    private static Admission[] Thinned(List<Admission> recent)
    {
        if (recent.Count <= MaxAdmissionsShown)
        {
            return [.. recent];
        }

        var every = (recent.Count + MaxAdmissionsShown - 1) / MaxAdmissionsShown;
        return [.. recent.Where((_, i) => (i + 1) % every == 0 || i == recent.Count - 1)];
    }

    private SaleSnapshot? Snapshot()
    {
        if (_sale is not { } sale)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var windowStart = now - sale.Definition.AdmissionValidFor;
        var expiredThrough = 0L;
        var recent = new List<Admission>();
        foreach (var admission in sale.Admissions)
        {
            if (admission.At < windowStart)
            {
                expiredThrough = admission.Through;
            }
            else
            {
                recent.Add(admission);
            }
        }

        return new SaleSnapshot(
            SaleId, sale.Definition, sale.TicketKey, sale.EndedAt, _soldOut, sale.Draw, sale.PreJoined, sale.PostJoined,
            sale.Admitted, expiredThrough, Thinned(recent), [.. sale.Claims.Keys], now);
    }
}
