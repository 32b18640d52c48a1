using System.Diagnostics.Metrics;
using Doorbuster.Diagnostics;

namespace Doorbuster.Api.Diagnostics;

/// <summary>The instruments of the <see cref="DoorbusterMeter"/> that the Api reports.</summary>
public sealed class ApiMetrics
{
    private readonly Counter<long> _cacheLookups;
    private readonly Counter<long> _checkouts;
    private readonly Counter<long> _admissionRejected;
    private readonly Counter<long> _cartIdsRefused;

    public ApiMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(DoorbusterMeter.Name);
        _cacheLookups = meter.CreateCounter<long>(
            "doorbuster.cache.lookups", "{lookup}", "Product cache lookups by level (api, grain) and outcome (hit, miss).");
        _checkouts = meter.CreateCounter<long>(
            "doorbuster.checkouts", "{checkout}", "Checkout attempts by outcome.");
        _admissionRejected = meter.CreateCounter<long>(
            "doorbuster.admission.rejected",
            "{request}",
            "Requests shed by admission control (429), by traffic class and reason: priority (the class's ceiling was full) or client (the client's bucket was empty).");
        _cartIdsRefused = meter.CreateCounter<long>(
            "doorbuster.carts.refused_ids", "{request}", "Cart requests refused because the server did not issue the cart id.");
    }

    /// <summary>A near-cache lookup: <c>hit</c>, <c>miss</c>, or <c>stale</c> (served as last seen during an outage).</summary>
    public void ProductLookup(string outcome) =>
        _cacheLookups.Add(1, new("level", DoorbusterMeter.ApiCacheLevel), new("outcome", outcome));

    public void Checkout(string outcome) => _checkouts.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void AdmissionRejected(string trafficClass, string reason) =>
        _admissionRejected.Add(1, new("class", trafficClass), new("reason", reason));

    public void CartIdRefused() => _cartIdsRefused.Add(1);
}
