using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Doorbuster.LoadGen.Load;

namespace Doorbuster.LoadGen.Http;

/// <summary>
/// The routes of the public HTTP contract (docs/http-api.md) that the load generator uses. Each call records
/// into <paramref name="operation"/> when one is given; setup calls pass none and are not measured.
/// </summary>
public sealed class ShopApi(LoadClient client)
{
    public LoadClient Client { get; } = client;

    public Task<HttpOutcome> GetProductAsync(string sku, OperationContext? operation, CancellationToken cancellationToken) =>
        Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/products/{Escape(sku)}"),
            RequestKinds.GetProduct, operation, admin: false, readBody: false, cancellationToken);

    public Task<HttpOutcome> ListProductsAsync(
        string category, int page, int pageSize, OperationContext? operation, CancellationToken cancellationToken) =>
        Client.SendAsync(
            new HttpRequestMessage(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture,
                $"api/products?category={Escape(category)}&page={page}&pageSize={pageSize}")),
            RequestKinds.ListProducts, operation, admin: false, readBody: false, cancellationToken);

    /// <summary><c>POST /api/carts</c>: 201 and the server-issued cart id.</summary>
    public async Task<(HttpOutcome Outcome, string? CartId)> CreateCartAsync(OperationContext? operation, CancellationToken cancellationToken)
    {
        var outcome = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "api/carts"),
            RequestKinds.CreateCart, operation, admin: false, readBody: true, cancellationToken);
        return outcome.IsSuccess ? Require(outcome, ReadString(outcome.Body, "cartId")) : (outcome, null);
    }

    public Task<HttpOutcome> AddItemAsync(
        string cartId, string sku, int quantity, OperationContext? operation, CancellationToken cancellationToken) =>
        Client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, $"api/carts/{Escape(cartId)}/items") { Content = JsonContent.Create(new AddItem(sku, quantity)) },
            RequestKinds.AddItem, operation, admin: false, readBody: false, cancellationToken);

    /// <summary><c>POST /api/carts/{id}/checkout</c>: 201 and the order id; the body is kept so a 409 can be inspected.</summary>
    public async Task<(HttpOutcome Outcome, string? OrderId)> CheckoutAsync(
        string cartId, string idempotencyKey, OperationContext? operation, CancellationToken cancellationToken, string? saleTicket = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"api/carts/{Escape(cartId)}/checkout");
        request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        if (saleTicket is not null)
        {
            request.Headers.TryAddWithoutValidation("Sale-Ticket", saleTicket);
        }

        var outcome = await Client.SendAsync(request, RequestKinds.Checkout, operation, admin: false, readBody: true, cancellationToken);
        return outcome.IsSuccess ? Require(outcome, ReadString(outcome.Body, "orderId")) : (outcome, null);
    }

    public Task<HttpOutcome> PayAsync(string orderId, OperationContext? operation, CancellationToken cancellationToken) =>
        Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"api/orders/{Escape(orderId)}/pay"),
            RequestKinds.Pay, operation, admin: false, readBody: false, cancellationToken);

    public Task<HttpOutcome> PutProductAsync(string sku, ProductUpsert product, CancellationToken cancellationToken) =>
        Client.SendAsync(
            new HttpRequestMessage(HttpMethod.Put, $"api/products/{Escape(sku)}") { Content = JsonContent.Create(product) },
            "put-product", operation: null, admin: true, readBody: true, cancellationToken);

    public Task<HttpOutcome> RestockAsync(string sku, int quantity, string idempotencyKey, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"api/inventory/{Escape(sku)}/restock")
        {
            Content = JsonContent.Create(new Restock(quantity)),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        return Client.SendAsync(request, "restock", operation: null, admin: true, readBody: true, cancellationToken);
    }

    /// <summary><c>GET /api/inventory/{sku}</c>: the stock, or null with the outcome when there is none (404) or it failed.</summary>
    public async Task<(HttpOutcome Outcome, Stock? Stock)> GetStockAsync(string sku, CancellationToken cancellationToken)
    {
        var outcome = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/inventory/{Escape(sku)}"),
            "get-stock", operation: null, admin: false, readBody: true, cancellationToken);
        return outcome.IsSuccess && outcome.Body is { } body
            ? (outcome, JsonSerializer.Deserialize<Stock>(body, JsonSerializerOptions.Web))
            : (outcome, null);
    }

    /// <summary><c>PUT /api/sales/{id}</c> (admin).</summary>
    public Task<HttpOutcome> DefineSaleAsync(string saleId, SaleDefinition sale, CancellationToken cancellationToken) =>
        Client.SendAsync(
            new HttpRequestMessage(HttpMethod.Put, $"api/sales/{Escape(saleId)}") { Content = JsonContent.Create(sale) },
            "define-sale", operation: null, admin: true, readBody: true, cancellationToken);

    /// <summary><c>POST /api/sales/{id}/tickets</c>: 201 and the ticket.</summary>
    public async Task<(HttpOutcome Outcome, SaleTicket? Ticket)> JoinSaleAsync(string saleId, OperationContext operation, CancellationToken cancellationToken)
    {
        var outcome = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"api/sales/{Escape(saleId)}/tickets"),
            RequestKinds.JoinSale, operation, admin: false, readBody: true, cancellationToken);
        return (outcome, outcome.IsSuccess ? ReadTicket(outcome) : null);
    }

    /// <summary><c>GET /api/sales/{id}/tickets/{ticket}</c>.</summary>
    public async Task<(HttpOutcome Outcome, SaleTicket? Ticket)> PollTicketAsync(
        string saleId, string ticket, OperationContext operation, CancellationToken cancellationToken)
    {
        var outcome = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/sales/{Escape(saleId)}/tickets/{Escape(ticket)}"),
            RequestKinds.PollTicket, operation, admin: false, readBody: true, cancellationToken);
        return (outcome, outcome.IsSuccess ? ReadTicket(outcome) : null);
    }

    /// <summary>The <c>type</c> of a problem document, or null when the body is not one.</summary>
    public static string? ProblemType(HttpOutcome outcome) => ReadString(outcome.Body, "type");

    private static (HttpOutcome, string?) Require(HttpOutcome outcome, string? id) =>
        id is null
            ? (outcome with { Failure = Failure.InvalidResponse, Error = $"{outcome.Status} without an id in the body" }, null)
            : (outcome, id);

    private static string? ReadString(byte[]? body, string property)
    {
        if (body is null || body.Length == 0)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty(property, out var value)
                && value.ValueKind == JsonValueKind.String
                    ? value.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static SaleTicket? ReadTicket(HttpOutcome outcome)
    {
        try
        {
            return outcome.Body is { Length: > 0 } body ? JsonSerializer.Deserialize<SaleTicket>(body, JsonSerializerOptions.Web) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private sealed record AddItem(string Sku, int Quantity);

    private sealed record Restock(int Quantity);
}

/// <summary>The body of <c>PUT /api/sales/{saleId}</c>.</summary>
public sealed record SaleDefinition(string[] Skus, DateTimeOffset StartsAt, int AdmitPerSecond, int TicketsPerClient);

/// <summary>A ticket as <c>POST</c> and <c>GET</c> of a sale's tickets answer it.</summary>
public sealed record SaleTicket(string Ticket, string Status, long? Position, long EstimatedWaitSeconds, DateTimeOffset? AdmittedUntil);

/// <summary>The body of <c>PUT /api/products/{sku}</c>.</summary>
public sealed record ProductUpsert(string Name, string Description, string Category, decimal Price, string Currency = "USD");

/// <summary>The body of <c>GET /api/inventory/{sku}</c>.</summary>
public sealed record Stock(string Sku, long Available, long Reserved, long Sold)
{
    public long Total => Available + Reserved + Sold;
}
