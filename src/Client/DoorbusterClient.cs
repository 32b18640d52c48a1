using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Doorbuster.Client.Carts;
using Doorbuster.Client.Catalog;
using Doorbuster.Client.Http;
using Doorbuster.Client.Inventory;
using Doorbuster.Client.Orders;
using Doorbuster.Client.Problems;
using Doorbuster.Client.Sales;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace Doorbuster.Client;

/// <summary>
/// The Doorbuster HTTP API for .NET callers: shoppers (catalog, carts, checkout, orders, flash-sale tickets) and
/// operators (products, restocks, sales). Hand-written against the contract and checked against the OpenAPI document by the tests, so that it
/// can do what a generated client cannot: a checkout makes one Idempotency-Key and keeps it across its own retries,
/// so a lost answer never buys twice; a shed (429) or unavailable (503) answer is retried as <c>Retry-After</c> says,
/// where a retry is safe; every error is a typed <see cref="DoorbusterProblemException"/> whose message is the
/// problem's <c>detail</c>.
/// </summary>
/// <remarks>Register it with <see cref="DoorbusterClientServiceCollectionExtensions.AddDoorbusterClient"/>, or make one with <see cref="Create"/>.</remarks>
public sealed class DoorbusterClient(HttpClient http, IOptions<DoorbusterClientOptions> options)
{
    /// <summary>The contract's JSON: camelCase, enums by name.</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string AdminKeyHeader = "X-Api-Key";
    private const string IdempotencyKeyHeader = "Idempotency-Key";
    private const string SaleTicketHeader = "Sale-Ticket";

    /// <summary>A client of its own (its own <see cref="HttpClient"/> and retry handler), for callers without dependency injection.</summary>
    public static DoorbusterClient Create(DoorbusterClientOptions options)
    {
        var services = new ServiceCollection();
        services.AddDoorbusterClient(configure =>
        {
            configure.BaseAddress = options.BaseAddress;
            configure.AdminKey = options.AdminKey;
            configure.MaxRetries = options.MaxRetries;
            configure.MaxRetryDelay = options.MaxRetryDelay;
            configure.AttemptTimeout = options.AttemptTimeout;
        });
        return services.BuildServiceProvider().GetRequiredService<DoorbusterClient>();
    }

    // Catalog

    /// <summary>A product, or <c>null</c> when there is none with this sku.</summary>
    public Task<Product?> GetProductAsync(string sku, CancellationToken cancellationToken = default) =>
        GetOrNullAsync<Product>($"api/products/{Uri.EscapeDataString(sku)}", cancellationToken);

    /// <summary>A page of products, ordered by sku; of one category, or of all.</summary>
    public Task<ProductPage> ListProductsAsync(string? category = null, int page = 1, int pageSize = 20, CancellationToken cancellationToken = default)
    {
        var query = string.Create(CultureInfo.InvariantCulture, $"api/products?page={page}&pageSize={pageSize}");
        return SendAsync<ProductPage>(Request(HttpMethod.Get, category is null ? query : $"{query}&category={Uri.EscapeDataString(category)}"), cancellationToken);
    }

    /// <summary>Creates or replaces a product (operators). Repeating it is harmless.</summary>
    public Task<Product> UpsertProductAsync(string sku, ProductUpsert product, CancellationToken cancellationToken = default) =>
        SendAsync<Product>(Admin(Request(HttpMethod.Put, $"api/products/{Uri.EscapeDataString(sku)}", product)), cancellationToken);

    // Inventory

    /// <summary>The stock of a sku, or <c>null</c> when there is no such product.</summary>
    public Task<Stock?> GetStockAsync(string sku, CancellationToken cancellationToken = default) =>
        GetOrNullAsync<Stock>($"api/inventory/{Uri.EscapeDataString(sku)}", cancellationToken);

    /// <summary>
    /// Adds units to what is available (operators), under <paramref name="idempotencyKey"/> (one is made when none is
    /// given and kept across retries): a repeat within a day is counted once.
    /// </summary>
    public Task<Stock> RestockAsync(string sku, int quantity, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var key = idempotencyKey ?? NewKey();
        var request = Admin(Request(HttpMethod.Post, $"api/inventory/{Uri.EscapeDataString(sku)}/restock", new { quantity }));
        request.Headers.Add(IdempotencyKeyHeader, key);
        return SendAsync<Stock>(request, cancellationToken, key);
    }

    // Carts

    /// <summary>Issues a new, empty cart: its id is the shopper's key to it.</summary>
    public Task<Cart> CreateCartAsync(CancellationToken cancellationToken = default) =>
        SendAsync<Cart>(Request(HttpMethod.Post, "api/carts"), cancellationToken);

    public Task<Cart> GetCartAsync(string cartId, CancellationToken cancellationToken = default) =>
        SendAsync<Cart>(Request(HttpMethod.Get, CartPath(cartId)), cancellationToken);

    /// <summary>Adds units of a product to the cart. Not repeated after an answer that may have been applied: it would add twice.</summary>
    public Task<Cart> AddToCartAsync(string cartId, string sku, int quantity, CancellationToken cancellationToken = default) =>
        SendAsync<Cart>(Request(HttpMethod.Post, $"{CartPath(cartId)}/items", new { sku, quantity }, repeatable: false), cancellationToken);

    /// <summary>Sets a line to <paramref name="quantity"/> units; 0 removes it.</summary>
    public Task<Cart> SetCartItemAsync(string cartId, string sku, int quantity, CancellationToken cancellationToken = default) =>
        SendAsync<Cart>(Request(HttpMethod.Put, $"{CartPath(cartId)}/items/{Uri.EscapeDataString(sku)}", new { quantity }), cancellationToken);

    public Task<Cart> RemoveCartItemAsync(string cartId, string sku, CancellationToken cancellationToken = default) =>
        SendAsync<Cart>(Request(HttpMethod.Delete, $"{CartPath(cartId)}/items/{Uri.EscapeDataString(sku)}"), cancellationToken);

    public async Task ClearCartAsync(string cartId, CancellationToken cancellationToken = default)
    {
        using var response = await http.SendAsync(Request(HttpMethod.Delete, CartPath(cartId)), cancellationToken);
        await EnsureSuccessAsync(response, null, cancellationToken);
    }

    // Checkout and orders

    /// <summary>
    /// Checks the cart out, all or nothing, under <paramref name="idempotencyKey"/> — one is made when none is given,
    /// and kept across every retry of this call, so an answer lost on the way is asked for again and never buys
    /// twice. When the call gives up, <see cref="UnavailableException.IdempotencyKey"/> is the key to try again with.
    /// </summary>
    /// <exception cref="InsufficientStockException">Not every line could be reserved; nothing was.</exception>
    /// <exception cref="DoorbusterProblemException">409 <c>currency-mismatch</c>: the cart's products are priced in more than one currency now; nothing was reserved.</exception>
    public Task<Order> CheckoutAsync(string cartId, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var key = idempotencyKey ?? NewKey();
        var request = Request(HttpMethod.Post, $"{CartPath(cartId)}/checkout");
        request.Headers.Add(IdempotencyKeyHeader, key);
        return SendAsync<Order>(request, cancellationToken, key);
    }

    /// <summary>
    /// <see cref="CheckoutAsync(string, string?, CancellationToken)"/> of a cart holding skus of a running flash sale,
    /// with the sale's admitted <paramref name="ticket"/> (<see cref="WaitForTurnAsync"/>): the ticket lets this one
    /// checkout through, and the retries of this call are the same checkout.
    /// </summary>
    /// <exception cref="DoorbusterProblemException">403 <c>ticket-required</c>: the ticket is not admitted, expired or used; nothing was reserved.</exception>
    public Task<Order> CheckoutAsync(string cartId, Ticket ticket, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var key = idempotencyKey ?? NewKey();
        var request = Request(HttpMethod.Post, $"{CartPath(cartId)}/checkout");
        request.Headers.Add(IdempotencyKeyHeader, key);
        request.Headers.Add(SaleTicketHeader, ticket.Id);
        return SendAsync<Order>(request, cancellationToken, key);
    }

    /// <summary>An order, or <c>null</c> when there is none with this id (or it was forgotten after its retention).</summary>
    public Task<Order?> GetOrderAsync(string orderId, CancellationToken cancellationToken = default) =>
        GetOrNullAsync<Order>($"api/orders/{Uri.EscapeDataString(orderId)}", cancellationToken);

    /// <summary>Pays the order: every line is sold, or the answer says which could not be (<see cref="LinesUnsoldException"/>).</summary>
    public Task<Order> PayAsync(string orderId, CancellationToken cancellationToken = default) =>
        SendAsync<Order>(Request(HttpMethod.Post, $"api/orders/{Uri.EscapeDataString(orderId)}/pay"), cancellationToken);

    /// <summary>Cancels the order: its units return.</summary>
    public Task<Order> CancelAsync(string orderId, CancellationToken cancellationToken = default) =>
        SendAsync<Order>(Request(HttpMethod.Post, $"api/orders/{Uri.EscapeDataString(orderId)}/cancel"), cancellationToken);

    // Flash sales

    /// <summary>Creates or changes a flash sale (operators). Repeating it is harmless.</summary>
    public Task<Sale> DefineSaleAsync(string saleId, SaleDefinition sale, CancellationToken cancellationToken = default) =>
        SendAsync<Sale>(Admin(Request(HttpMethod.Put, SalePath(saleId), sale)), cancellationToken);

    /// <summary>A flash sale, or <c>null</c> when there is none with this id.</summary>
    public Task<Sale?> GetSaleAsync(string saleId, CancellationToken cancellationToken = default) =>
        GetOrNullAsync<Sale>(SalePath(saleId), cancellationToken);

    /// <summary>Ends a flash sale (operators): no more tickets, and its skus check out without one.</summary>
    public Task<Sale> EndSaleAsync(string saleId, CancellationToken cancellationToken = default) =>
        SendAsync<Sale>(Admin(Request(HttpMethod.Delete, SalePath(saleId))), cancellationToken);

    /// <summary>
    /// Joins the sale's queue. Not repeated after an answer that may have been applied: a second join would take a
    /// second place (and count against the client's ticket limit).
    /// </summary>
    /// <exception cref="DoorbusterProblemException">409 <c>sale-ended</c>, or 429 <c>too-many-tickets</c> (as <see cref="UnavailableException"/>).</exception>
    public Task<Ticket> JoinSaleAsync(string saleId, CancellationToken cancellationToken = default) =>
        SendTicketAsync(Request(HttpMethod.Post, $"{SalePath(saleId)}/tickets", repeatable: false), cancellationToken);

    /// <summary>Where a ticket stands, or <c>null</c> when the sale did not issue it.</summary>
    public async Task<Ticket?> GetTicketAsync(string saleId, string ticketId, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendTicketAsync(Request(HttpMethod.Get, $"{SalePath(saleId)}/tickets/{Uri.EscapeDataString(ticketId)}"), cancellationToken);
        }
        catch (DoorbusterProblemException problem) when (problem.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Polls the ticket as the Api says (<c>Retry-After</c>) until it no longer waits: admitted (check out with it
    /// now), or soldOut, expired, used or ended.
    /// </summary>
    public async Task<Ticket> WaitForTurnAsync(Ticket ticket, CancellationToken cancellationToken = default)
    {
        while (ticket.Status == TicketStatus.Waiting)
        {
            await Task.Delay(ticket.RetryAfter ?? TimeSpan.FromSeconds(1), cancellationToken);
            ticket = await GetTicketAsync(ticket.SaleId, ticket.Id, cancellationToken)
                ?? throw new DoorbusterProblemException($"Sale '{ticket.SaleId}' no longer knows ticket '{ticket.Id}'.");
        }

        return ticket;
    }

    private static string SalePath(string saleId) => $"api/sales/{Uri.EscapeDataString(saleId)}";

    private async Task<Ticket> SendTicketAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await http.SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, null, cancellationToken);
        var ticket = await response.Content.ReadFromJsonAsync<Ticket>(Json, cancellationToken)
            ?? throw new DoorbusterProblemException($"The Api answered {(int)response.StatusCode} without a body.");
        return ticket with { RetryAfter = response.Headers.RetryAfter?.Delta };
    }

    private static string CartPath(string cartId) => $"api/carts/{Uri.EscapeDataString(cartId)}";

    private static string NewKey() => Guid.NewGuid().ToString("N");

    /// <summary>A request; unless said otherwise, one the contract makes safe to send again.</summary>
    private static HttpRequestMessage Request(HttpMethod method, string path, object? body = null, bool repeatable = true)
    {
        // .NET's handler sends a request without content again, by itself, when a reused connection closes before
        // any answer, though the server may have run it; a request with content (here an empty one) it never sends twice.
        HttpContent? content = body is not null ? JsonContent.Create(body, options: Json) : repeatable ? null : new ByteArrayContent([]);
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Options.Set(RetryPolicy.Repeatable, repeatable);
        return request;
    }

    private HttpRequestMessage Admin(HttpRequestMessage request)
    {
        var key = options.Value.AdminKey ?? throw new InvalidOperationException("This operation needs the admin key: set DoorbusterClientOptions.AdminKey.");
        request.Headers.Add(AdminKeyHeader, key);
        return request;
    }

    private async Task<T?> GetOrNullAsync<T>(string path, CancellationToken cancellationToken)
        where T : class
    {
        using var response = await http.SendAsync(Request(HttpMethod.Get, path), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, null, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken);
    }

    /// <summary>
    /// Sends <paramref name="request"/> and reads its answer. A write under <paramref name="idempotencyKey"/> that gets
    /// no answer at all ends as an <see cref="UnavailableException"/> that carries the key, so that a key the client
    /// made is not lost with the answer; a call its caller cancelled stays an <see cref="OperationCanceledException"/>.
    /// </summary>
    private async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken, string? idempotencyKey = null)
    {
        HttpResponseMessage answer;
        try
        {
            answer = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception exception) when (idempotencyKey is not null && !cancellationToken.IsCancellationRequested
            && exception is HttpRequestException or TimeoutRejectedException or TaskCanceledException { InnerException: TimeoutException })
        {
            throw UnavailableException.NoAnswer(idempotencyKey, exception);
        }

        using var response = answer;
        await EnsureSuccessAsync(response, idempotencyKey, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
            ?? throw new DoorbusterProblemException($"The Api answered {(int)response.StatusCode} without a body.");
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string? idempotencyKey, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await DoorbusterProblemException.ReadAsync(response, idempotencyKey, cancellationToken);
        }
    }
}
