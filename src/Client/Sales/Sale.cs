using System.Text.Json.Serialization;

namespace Doorbuster.Client.Sales;

/// <summary>A flash sale: a queue in front of the checkout of its skus.</summary>
public sealed record Sale(
    string SaleId,
    IReadOnlyList<string> Skus,
    DateTimeOffset StartsAt,
    SaleStatus Status,
    int AdmitPerSecond,
    TimeSpan AdmissionValidFor,
    int TicketsPerClient,
    long Joined,
    long AdmittedThrough,
    bool SoldOut);

/// <summary>What an operator sets for a sale; the validity and ticket limit default to 5 minutes and 2 when left out.</summary>
public sealed record SaleDefinition(
    IReadOnlyList<string> Skus, DateTimeOffset StartsAt, int AdmitPerSecond, TimeSpan? AdmissionValidFor = null, int? TicketsPerClient = null);

/// <summary>Where a sale stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SaleStatus>))]
public enum SaleStatus
{
    [JsonStringEnumMemberName("scheduled")] Scheduled,
    [JsonStringEnumMemberName("open")] Open,
    [JsonStringEnumMemberName("soldOut")] SoldOut,
    [JsonStringEnumMemberName("ended")] Ended,
}

/// <summary>A place in a sale's queue; <see cref="RetryAfter"/> is when to look again while it waits.</summary>
public sealed record Ticket(
    [property: JsonPropertyName("ticket")] string Id,
    string SaleId,
    TicketStatus Status,
    long? Position,
    long EstimatedWaitSeconds,
    DateTimeOffset? AdmittedUntil)
{
    /// <summary>The answer's <c>Retry-After</c>: how long to wait before polling again (set while the ticket waits).</summary>
    [JsonIgnore]
    public TimeSpan? RetryAfter { get; init; }
}

/// <summary>Where a ticket stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TicketStatus>))]
public enum TicketStatus
{
    [JsonStringEnumMemberName("waiting")] Waiting,
    [JsonStringEnumMemberName("admitted")] Admitted,
    [JsonStringEnumMemberName("used")] Used,
    [JsonStringEnumMemberName("expired")] Expired,
    [JsonStringEnumMemberName("soldOut")] SoldOut,
    [JsonStringEnumMemberName("ended")] Ended,
}
