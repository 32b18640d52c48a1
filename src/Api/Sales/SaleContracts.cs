using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Doorbuster.Sales;

namespace Doorbuster.Api.Sales;

/// <summary>
/// The body of <c>PUT /api/sales/{saleId}</c>. Fields are nullable so that a missing one is reported, not
/// defaulted; <see cref="RequiredAttribute"/> marks those the contract requires, and the Api checks every bound itself.
/// </summary>
[Description("A flash sale to create or change.")]
public sealed record SaleRequest(
    [property: Required, MinLength(1), MaxLength(SaleApi.MaxSkus), Description("The skus whose checkout goes through the sale's queue, 1-100 distinct skus.")] string[]? Skus,
    [property: Required, Description("When the sale opens (ISO 8601). Who joins before is in the pre-queue, whose order is drawn at random at this time.")] DateTimeOffset? StartsAt,
    [property: Required, Range(1, SaleApi.MaxAdmitPerSecond), Description("Shoppers admitted per second, 1-100,000; may change while the sale runs.")] int? AdmitPerSecond,
    [property: Description("How long an admission lets its checkout through (a TimeSpan, 00:00:10 to 1.00:00:00); 00:05:00 when left out.")] TimeSpan? AdmissionValidFor,
    [property: Range(1, SaleApi.MaxTicketsPerClient), Description("Tickets one client may hold, 1-100; 2 when left out.")] int? TicketsPerClient);

[JsonConverter(typeof(JsonStringEnumConverter<SaleStatusName>))]
[Description("scheduled (before the start), open, soldOut (every sku has nothing available: waiting tickets read soldOut), or ended.")]
public enum SaleStatusName
{
    [JsonStringEnumMemberName("scheduled")] Scheduled,
    [JsonStringEnumMemberName("open")] Open,
    [JsonStringEnumMemberName("soldOut")] SoldOut,
    [JsonStringEnumMemberName("ended")] Ended,
}

[Description("A flash sale.")]
public sealed record SaleResponse(
    [property: Description("The sale's id.")] string SaleId,
    [property: Description("The skus whose checkout needs an admitted ticket of this sale while it is open or sold out.")] string[] Skus,
    [property: Description("When the sale opens.")] DateTimeOffset StartsAt,
    [property: Description("Where the sale stands.")] SaleStatusName Status,
    [property: Description("Shoppers admitted per second.")] int AdmitPerSecond,
    [property: Description("How long an admission lets its checkout through (a TimeSpan).")] TimeSpan AdmissionValidFor,
    [property: Description("Tickets one client may hold.")] int TicketsPerClient,
    [property: Description("Tickets handed out so far.")] long Joined,
    [property: Description("Queue positions admitted so far: positions up to this one are admitted (or were).")] long AdmittedThrough,
    [property: Description("True while every sku of the sale has nothing available.")] bool SoldOut)
{
    public static SaleResponse From(SaleSnapshot sale, DateTimeOffset now) => new(
        sale.SaleId,
        sale.Definition.Skus,
        sale.Definition.StartsAt,
        SaleApi.StatusName(sale.StatusAt(now)),
        sale.Definition.AdmitPerSecond,
        sale.Definition.AdmissionValidFor,
        sale.Definition.TicketsPerClient,
        sale.Joined,
        sale.AdmittedThrough,
        sale.SoldOut);
}

[JsonConverter(typeof(JsonStringEnumConverter<TicketStatusName>))]
[Description("waiting (in the queue; before the start without a position), admitted (check out now, with the Sale-Ticket header), used, expired, soldOut (nothing is left now; it may come back), or ended.")]
public enum TicketStatusName
{
    [JsonStringEnumMemberName("waiting")] Waiting,
    [JsonStringEnumMemberName("admitted")] Admitted,
    [JsonStringEnumMemberName("used")] Used,
    [JsonStringEnumMemberName("expired")] Expired,
    [JsonStringEnumMemberName("soldOut")] SoldOut,
    [JsonStringEnumMemberName("ended")] Ended,
}

[Description("A place in a sale's queue.")]
public sealed record TicketResponse(
    [property: Description("The ticket: signed, unguessable; send it as the Sale-Ticket header of the checkout once admitted.")] string Ticket,
    [property: Description("The sale.")] string SaleId,
    [property: Description("Where the ticket stands.")] TicketStatusName Status,
    [property: Description("The place in the queue, from 1; null before the start, when the pre-queue's order is not drawn yet.")] long? Position,
    [property: Description("Seconds until admission at the sale's current rate (until the start, before it); 0 once admitted.")] long EstimatedWaitSeconds,
    [property: Description("Until when the admission lets a checkout through; null unless admitted.")] DateTimeOffset? AdmittedUntil);
