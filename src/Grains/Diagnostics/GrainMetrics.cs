using System.Diagnostics.Metrics;

namespace Doorbuster.Diagnostics;

/// <summary>The instruments of the <see cref="DoorbusterMeter"/> that the grains report on a silo.</summary>
public sealed class GrainMetrics
{
    private readonly Counter<long> _cacheLookups;
    private readonly Counter<long> _reservations;
    private readonly Histogram<int> _inventoryWriteBatchSize;
    private readonly Counter<long> _orderSettlements;
    private readonly Counter<long> _expiryDecisions;
    private readonly Counter<long> _unsoldLines;
    private readonly Histogram<double> _replicaWaits;
    private readonly Counter<long> _cartReads;

    public GrainMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(DoorbusterMeter.Name);
        _cacheLookups = meter.CreateCounter<long>(
            "doorbuster.cache.lookups", "{lookup}", "Product cache lookups by level (api, grain) and outcome (hit, miss).");
        _reservations = meter.CreateCounter<long>(
            "doorbuster.inventory.reservations", "{reservation}", "Inventory reservation requests by outcome.");
        _inventoryWriteBatchSize = meter.CreateHistogram<int>(
            "doorbuster.inventory.write.batch_size",
            "{change}",
            "Stock changes persisted per inventory write (group commit).",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });
        _orderSettlements = meter.CreateCounter<long>(
            "doorbuster.payments", "{order}", "Order settlements by outcome (paid, cancelled, expired, rejected, lines_unsold).");
        _expiryDecisions = meter.CreateCounter<long>(
            "doorbuster.inventory.expiry_decisions", "{reservation}", "Expired reservations by the order's verdict (release, confirm, hold, unanswered).");
        _unsoldLines = meter.CreateCounter<long>(
            "doorbuster.payments.unsold_lines", "{line}", "Lines of paid orders that could not be sold (their inventory held nothing for the order), by sku.");
        _replicaWaits = meter.CreateHistogram<double>(
            "doorbuster.replica_wait.duration",
            "s",
            "Time a write waited for its replicas before it was acknowledged, by kind (stock, orders, carts) and outcome (acknowledged, timed_out).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _cartReads = meter.CreateCounter<long>(
            "doorbuster.carts.reads", "{read}", "Carts read from Redis by an activation that needed what is stored (a new cart's first add reads nothing).");
    }

    public void ProductRead(bool servedFromMemory) =>
        _cacheLookups.Add(1, new("level", DoorbusterMeter.GrainCacheLevel), new("outcome", servedFromMemory ? "hit" : "miss"));

    public void Reservation(string outcome) => _reservations.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void InventoryWriteBatch(int changes) => _inventoryWriteBatchSize.Record(changes);

    public void OrderSettled(string outcome) => _orderSettlements.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void LineUnsold(string sku) => _unsoldLines.Add(1, new KeyValuePair<string, object?>("sku", sku));

    public void ReplicaWait(Persistence.ReplicatedWrites kind, TimeSpan waited, bool acknowledged) =>
        _replicaWaits.Record(
            waited.TotalSeconds,
            new("kind", kind.ToString().ToLowerInvariant()),
            new("outcome", acknowledged ? "acknowledged" : "timed_out"));

    public void CartRead() => _cartReads.Add(1);

    public void ExpiryDecision(string verdict) => _expiryDecisions.Add(1, new KeyValuePair<string, object?>("verdict", verdict));
}
