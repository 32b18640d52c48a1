using System.Globalization;
using Doorbuster.Api.FrontDoor;
using Doorbuster.Sales;
using Doorbuster.ServiceDefaults;
using Doorbuster.ServiceDefaults.Admin;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Doorbuster.Api.Sales;

/// <summary>
/// Flash sales: an operator defines a sale over some skus; shoppers join its queue and poll their ticket, which
/// the Api answers from the sale's snapshot (<see cref="SaleViews"/>) without a grain call; an admitted ticket
/// lets one checkout of the sale's skus through (<c>Sale-Ticket</c> header, checked by the cart's grain).
/// </summary>
public static class SaleApi
{
    public const int MaxSkus = 100;
    public const int MaxAdmitPerSecond = 100_000;
    public const int MaxTicketsPerClient = 100;
    public const int DefaultTicketsPerClient = 2;
    public const string TicketHeader = "Sale-Ticket";

    public static readonly TimeSpan DefaultAdmissionValidFor = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ShortestAdmission = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan LongestAdmission = TimeSpan.FromDays(1);

    /// <summary>The longest a waiting shopper is told to wait before polling again: sold out must reach them soon.</summary>
    private const int LongestPollSeconds = 5;

    /// <summary>Seconds a client holding the ticket limit is told to wait: the limit lasts as long as the sale.</summary>
    private const int TicketLimitRetrySeconds = 60;

    public static WebApplicationBuilder AddSales(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SaleViews>();
        builder.Services.AddSingleton<SaleMetrics>();
        return builder;
    }

    public static IEndpointRouteBuilder MapSaleApi(this IEndpointRouteBuilder app)
    {
        var sale = app.MapGroup("/api/sales/{saleId}").WithTags("Sales").ValidateRouteIds();
        sale.MapPut("/", DefineAsync)
            .WithName("DefineSale")
            .WithSummary("Creates or changes a flash sale (admin): its skus, start, admission rate, admission validity and tickets per client.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireAdminKey();
        sale.MapGet("/", GetAsync).WithName("GetSale").WithSummary("A flash sale and its queue.").ProducesProblem(StatusCodes.Status404NotFound);
        sale.MapDelete("/", EndAsync)
            .WithName("EndSale")
            .WithSummary("Ends a flash sale (admin): no more tickets or admissions, and its skus check out without a ticket.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireAdminKey();
        sale.MapPost("/tickets", JoinAsync)
            .WithName("JoinSale")
            .WithSummary("Joins the sale's queue: a ticket with its position (none before the start), the estimated wait, and Retry-After for polling.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        sale.MapGet("/tickets/{ticket}", GetTicketAsync)
            .WithName("GetTicket")
            .WithSummary("Where a ticket stands: waiting (poll again after Retry-After), admitted (check out now), used, expired, soldOut or ended.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static async Task<Results<Ok<SaleResponse>, ValidationProblem, ProblemHttpResult>> DefineAsync(
        string saleId, SaleRequest request, IGrainFactory grains, ClusterBoundary cluster, SaleViews views, TimeProvider time, CancellationToken cancellationToken)
    {
        var validFor = request.AdmissionValidFor ?? DefaultAdmissionValidFor;
        var errors = new RequestErrors()
            .Require(request.Skus is { Length: >= 1 and <= MaxSkus }, "skus", $"'skus' must list 1-{MaxSkus} skus.")
            .Require(request.Skus is null || request.Skus.All(Identifiers.IsValid), "skus", $"Every sku must be {Identifiers.Rule}.")
            .Require(request.Skus is null || request.Skus.Distinct(StringComparer.Ordinal).Count() == request.Skus.Length, "skus", "A sku may be listed once.")
            .Require(request.StartsAt is not null, "startsAt", "'startsAt' is required.")
            .RequireRange("admitPerSecond", request.AdmitPerSecond, 1, MaxAdmitPerSecond)
            .Require(validFor >= ShortestAdmission && validFor <= LongestAdmission, "admissionValidFor", "'admissionValidFor' must be between 00:00:10 and 1.00:00:00.")
            .RequireRange("ticketsPerClient", request.TicketsPerClient ?? DefaultTicketsPerClient, 1, MaxTicketsPerClient);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var definition = new SaleDefinition(
            request.Skus!, request.StartsAt!.Value, request.AdmitPerSecond!.Value, validFor, request.TicketsPerClient ?? DefaultTicketsPerClient);
        var result = await cluster.IdempotentWriteAsync(() => grains.GetGrain<ISaleGrain>(saleId).DefineAsync(definition), cancellationToken);
        switch (result.Outcome)
        {
            case SaleDefineOutcome.UnknownSkus:
                return Problems.NotFound($"There is no product with sku {string.Join(", ", result.UnknownSkus.Select(sku => $"'{sku}'"))}.");
            case SaleDefineOutcome.Refused:
                return new RequestErrors().Require(false, "sale", result.Reason ?? "The sale cannot change.").ToProblem();
            default:
                views.Remember(result.Sale);
                return TypedResults.Ok(SaleResponse.From(result.Sale!, time.GetUtcNow()));
        }
    }

    public static async Task<Results<Ok<SaleResponse>, ProblemHttpResult>> GetAsync(
        string saleId, SaleViews views, TimeProvider time, CancellationToken cancellationToken) =>
        await views.GetAsync(saleId, cancellationToken) is { } sale ? TypedResults.Ok(SaleResponse.From(sale, time.GetUtcNow())) : UnknownSale(saleId);

    public static async Task<Results<Ok<SaleResponse>, ProblemHttpResult>> EndAsync(
        string saleId, IGrainFactory grains, ClusterBoundary cluster, SaleViews views, TimeProvider time, CancellationToken cancellationToken)
    {
        var sale = await cluster.IdempotentWriteAsync(() => grains.GetGrain<ISaleGrain>(saleId).EndAsync(), cancellationToken);
        views.Remember(sale);
        return sale is null ? UnknownSale(saleId) : TypedResults.Ok(SaleResponse.From(sale, time.GetUtcNow()));
    }

    public static async Task<Results<Created<TicketResponse>, ProblemHttpResult>> JoinAsync(
        string saleId, HttpContext context, SaleViews views, SaleMetrics metrics, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await views.GetAsync(saleId, cancellationToken) is not { } known)
        {
            return UnknownSale(saleId);
        }

        if (known.EndedAt is not null)
        {
            return SaleEnded(saleId, metrics);
        }

        var client = ClientAddresses.KeyOf(context)?.ToString() ?? "unknown";
        var (result, index) = await views.JoinAsync(saleId, client, cancellationToken);
        if (result.Outcome == JoinOutcome.NotFound)
        {
            return UnknownSale(saleId);
        }

        if (result.Outcome == JoinOutcome.Ended)
        {
            return SaleEnded(saleId, metrics);
        }

        var place = result.Places[index];
        var sale = result.Sale ?? known;
        if (place == 0)
        {
            metrics.Joined("too_many_tickets");
            context.Response.Headers.RetryAfter = TicketLimitRetrySeconds.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(
                $"This client already holds {sale.Definition.TicketsPerClient} ticket(s) of sale '{saleId}', the most it may.",
                statusCode: StatusCodes.Status429TooManyRequests,
                title: "Too many tickets",
                type: ProblemTypes.For("too-many-tickets"));
        }

        metrics.Joined("issued");
        var ticket = SaleTickets.Issue(sale.TicketKey, saleId, place);
        var view = View(sale, ticket, place, time.GetUtcNow(), context.Response);
        return TypedResults.Created($"/api/sales/{saleId}/tickets/{ticket}", view);
    }

    public static async Task<Results<Ok<TicketResponse>, ProblemHttpResult>> GetTicketAsync(
        string saleId, string ticket, HttpContext context, SaleViews views, SaleMetrics metrics, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await views.GetAsync(saleId, cancellationToken) is not { } sale)
        {
            return UnknownSale(saleId);
        }

        if (!SaleTickets.TryRead(sale.TicketKey, saleId, ticket, out var place))
        {
            return Problems.NotFound($"Sale '{saleId}' has no ticket '{ticket}'.");
        }

        var view = View(sale, ticket, place, time.GetUtcNow(), context.Response);
        metrics.Polled(view.Status);
        return TypedResults.Ok(view);
    }

    public static SaleStatusName StatusName(SaleStatus status) => status switch
    {
        SaleStatus.Scheduled => SaleStatusName.Scheduled,
        SaleStatus.Open => SaleStatusName.Open,
        SaleStatus.SoldOut => SaleStatusName.SoldOut,
        _ => SaleStatusName.Ended,
    };

    /// <summary>Where a ticket stands by the sale's snapshot; sets Retry-After while it is worth polling again.</summary>
    private static TicketResponse View(SaleSnapshot sale, string ticket, long place, DateTimeOffset now, HttpResponse response)
    {
        var position = SaleTickets.PositionOf(place, sale.Draw);
        var untilStart = Math.Max(0, (long)Math.Ceiling((sale.Definition.StartsAt - now).TotalSeconds));
        if (sale.EndedAt is not null)
        {
            return new TicketResponse(ticket, sale.SaleId, TicketStatusName.Ended, position, 0, null);
        }

        if (position is not { } at)
        {
            // Before the start (or just after it, until this Api sees the draw): the pre-queue has no order yet.
            PollAgainIn(response, untilStart);
            return new TicketResponse(ticket, sale.SaleId, TicketStatusName.Waiting, null, untilStart, null);
        }

        if (at <= sale.AdmittedThrough)
        {
            if (sale.UsedPositions.Contains(at))
            {
                return new TicketResponse(ticket, sale.SaleId, TicketStatusName.Used, at, 0, null);
            }

            return sale.AdmittedAt(at) is { } admittedAt && admittedAt + sale.Definition.AdmissionValidFor >= now
                ? new TicketResponse(ticket, sale.SaleId, TicketStatusName.Admitted, at, 0, admittedAt + sale.Definition.AdmissionValidFor)
                : new TicketResponse(ticket, sale.SaleId, TicketStatusName.Expired, at, 0, null);
        }

        var wait = untilStart + (long)Math.Ceiling((at - sale.AdmittedThrough) / (double)sale.Definition.AdmitPerSecond);
        if (sale.SoldOut)
        {
            // Units may come back when holds expire: worth a look now and then, not a stampede.
            PollAgainIn(response, LongestPollSeconds);
            return new TicketResponse(ticket, sale.SaleId, TicketStatusName.SoldOut, at, wait, null);
        }

        PollAgainIn(response, (long)Math.Ceiling(wait / 4.0));
        return new TicketResponse(ticket, sale.SaleId, TicketStatusName.Waiting, at, wait, null);
    }

    private static void PollAgainIn(HttpResponse response, long seconds) =>
        response.Headers.RetryAfter = Math.Clamp(seconds, 1, LongestPollSeconds).ToString(CultureInfo.InvariantCulture);

    private static ProblemHttpResult UnknownSale(string saleId) => Problems.NotFound($"There is no sale '{saleId}'.");

    private static ProblemHttpResult SaleEnded(string saleId, SaleMetrics metrics)
    {
        metrics.Joined("sale_ended");
        return Problems.Conflict("sale-ended", "The sale has ended", $"Sale '{saleId}' has ended: it hands out no more tickets.");
    }
}
