using System.Diagnostics.Metrics;
using Doorbuster.Diagnostics;

namespace Doorbuster.Api.Sales;

/// <summary>The flash-sale instruments of the <see cref="DoorbusterMeter"/>: joins and polls as this Api answered them, and each sale's queue as it last saw it.</summary>
public sealed class SaleMetrics
{
    private readonly Counter<long> _joins;
    private readonly Counter<long> _polls;
    private readonly Counter<long> _soldOutNotices;

    public SaleMetrics(IMeterFactory meterFactory, SaleViews views)
    {
        var meter = meterFactory.Create(DoorbusterMeter.Name);
        _joins = meter.CreateCounter<long>("doorbuster.sale.joins", "{join}", "Joins of a sale's queue by outcome: issued, too_many_tickets, sale_ended.");
        _polls = meter.CreateCounter<long>("doorbuster.sale.polls", "{poll}", "Ticket polls answered, by the ticket's status.");
        _soldOutNotices = meter.CreateCounter<long>(
            "doorbuster.sale.sold_out_notices", "{poll}", "Polls of waiting tickets answered soldOut: shoppers told to stop waiting.");
        // No sale label: a sale id is an identifier (docs/metrics.md), and the sales running at once are few.
        meter.CreateObservableGauge(
            "doorbuster.sale.waiting",
            () => views.Known.Where(sale => sale.EndedAt is null).Sum(sale => Math.Max(0, sale.Joined - sale.AdmittedThrough)),
            "{ticket}",
            "Tickets of the running sales not yet admitted, as this Api last saw the sales (every Api reports the same queue: take the max).");
        meter.CreateObservableGauge(
            "doorbuster.sale.admitted",
            () => views.Known.Where(sale => sale.EndedAt is null).Sum(sale => sale.AdmittedThrough),
            "{ticket}",
            "Positions of the running sales admitted so far, as this Api last saw the sales (every Api reports the same queue: take the max).");
    }

    public void Joined(string outcome) => _joins.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Polled(TicketStatusName status)
    {
        _polls.Add(1, new KeyValuePair<string, object?>("status", status switch
        {
            TicketStatusName.Waiting => "waiting",
            TicketStatusName.Admitted => "admitted",
            TicketStatusName.Used => "used",
            TicketStatusName.Expired => "expired",
            TicketStatusName.SoldOut => "sold_out",
            _ => "ended",
        }));
        if (status == TicketStatusName.SoldOut)
        {
            _soldOutNotices.Add(1);
        }
    }
}
