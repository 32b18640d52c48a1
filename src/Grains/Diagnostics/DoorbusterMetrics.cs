using System.Diagnostics.Metrics;

namespace Doorbuster.Diagnostics;

/// <summary>
/// The domain instruments of the <c>Doorbuster</c> meter. Labels are low-cardinality by rule:
/// never a sku, cart id or order id.
/// </summary>
public sealed class DoorbusterMetrics
{
    public const string MeterName = "Doorbuster";

    private readonly Counter<long> _cacheLookups;
    private readonly Counter<long> _reservations;
    private readonly Histogram<int> _inventoryWriteBatchSize;
    private readonly Counter<long> _checkouts;
    private readonly Counter<long> _payments;
    private readonly Counter<long> _admissionRejected;

    public DoorbusterMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _cacheLookups = meter.CreateCounter<long>(
            "doorbuster.cache.lookups", "{lookup}", "Product cache lookups by level (api, grain) and outcome (hit, miss).");
        _reservations = meter.CreateCounter<long>(
            "doorbuster.inventory.reservations", "{reservation}", "Inventory reservation requests by outcome.");
        _inventoryWriteBatchSize = meter.CreateHistogram<int>(
            "doorbuster.inventory.write.batch_size",
            "{change}",
            "Stock changes persisted per inventory write (group commit).",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });
        _checkouts = meter.CreateCounter<long>(
            "doorbuster.checkouts", "{checkout}", "Checkout attempts by outcome.");
        _payments = meter.CreateCounter<long>(
            "doorbuster.payments", "{order}", "Order settlements by outcome (paid, cancelled, expired, rejected).");
        _admissionRejected = meter.CreateCounter<long>(
            "doorbuster.admission.rejected", "{request}", "Requests shed by admission control, by traffic class.");
    }

    public void CacheLookup(string level, bool hit) =>
        _cacheLookups.Add(1, new("level", level), new("outcome", hit ? "hit" : "miss"));

    public void Reservation(string outcome) => _reservations.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void InventoryWriteBatch(int changes) => _inventoryWriteBatchSize.Record(changes);

    public void Checkout(string outcome) => _checkouts.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Payment(string outcome) => _payments.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void AdmissionRejected(string trafficClass) =>
        _admissionRejected.Add(1, new KeyValuePair<string, object?>("class", trafficClass));
}

/// <summary>Cache levels, as the <c>level</c> label.</summary>
public static class CacheLevels
{
    public const string Api = "api";
    public const string Grain = "grain";
}
