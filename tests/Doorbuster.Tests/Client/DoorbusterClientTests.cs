using System.Net;
using System.Text.Json;
using Doorbuster.Client;
using Doorbuster.Client.Catalog;
using Doorbuster.Client.Orders;
using Doorbuster.Client.Problems;
using Doorbuster.Client.Sales;
using Doorbuster.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Doorbuster.Tests.Client;

/// <summary>
/// Doorbuster.Client against the real Api, as processes on loopback (a store, a silo, two Apis — one with a tiny
/// per-client rate): the shopper's and the operator's flows, a checkout whose first answer is lost on the wire, a
/// storm of 429s, and the client's models against the OpenAPI document the Api serves.
/// </summary>
public sealed class DoorbusterClientTests(DoorbusterClientTests.Cluster cluster) : IClassFixture<DoorbusterClientTests.Cluster>
{
    [Fact]
    public async Task AShopperBrowsesFillsACartChecksOutAndPaysWithTypedAnswersAndTypedProblems()
    {
        var client = cluster.Client(cluster.Api.HttpAddress);
        var sku = await cluster.CreateProductAsync(stock: 3);

        // Browse, fill, check out, pay.
        var product = await client.GetProductAsync(sku);
        var cart = await client.CreateCartAsync();
        await client.AddToCartAsync(cart.CartId, sku, 2);
        var order = await client.CheckoutAsync(cart.CartId);
        var paid = await client.PayAsync(order.OrderId);

        Assert.Equal(4.25m, product!.Price);
        Assert.Equal((OrderStatus.PendingPayment, 8.50m), (order.Status, order.Total));
        Assert.Equal(OrderStatus.Paid, paid.Status);
        AssertSameOrder(paid, await client.GetOrderAsync(order.OrderId));
        Assert.Equal(new Doorbuster.Client.Inventory.Stock(sku, 1, 0, 2), await client.GetStockAsync(sku));
        Assert.Empty((await client.GetCartAsync(cart.CartId)).Items);

        // Problems come back as typed exceptions whose message is the problem's detail.
        var empty = await Assert.ThrowsAnyAsync<DoorbusterProblemException>(() => client.CheckoutAsync(cart.CartId));
        Assert.Equal(("empty-cart", HttpStatusCode.BadRequest), (empty.Slug, empty.Status));
        Assert.Contains("nothing to check out", empty.Message, StringComparison.Ordinal);
        Assert.NotNull(empty.TraceId);

        var greedy = await client.CreateCartAsync();
        await client.AddToCartAsync(greedy.CartId, sku, 5);
        var short_ = await Assert.ThrowsAsync<InsufficientStockException>(() => client.CheckoutAsync(greedy.CartId));
        Assert.Equal([new Shortage(sku, 5, 1)], short_.Shortages);

        var invalid = await Assert.ThrowsAsync<ValidationProblemException>(() => client.AddToCartAsync(greedy.CartId, sku, 0));
        Assert.True(invalid.Errors.ContainsKey("quantity"), $"errors: {string.Join(", ", invalid.Errors.Keys)}");
        Assert.Null(await client.GetProductAsync("NO-SUCH-SKU"));
        Assert.Null(await client.GetOrderAsync("o-00000000000000000000000000000000"));
    }

    [Fact]
    public async Task AnOperatorCreatesAProductAndRestocksItOnceUnderOneKeyWithTheAdminKeyOverHttp()
    {
        var client = cluster.Client(cluster.Api.HttpAddress, ProcessCluster.AdminKey);
        var sku = $"CL-{Guid.NewGuid():N}"[..16];

        var product = await client.UpsertProductAsync(sku, new ProductUpsert("Client mug", "client", 7.50m, "Blue"));
        var first = await client.RestockAsync(sku, 10, "truck-1");
        var repeated = await client.RestockAsync(sku, 10, "truck-1");
        var listed = await client.ListProductsAsync("client", pageSize: 100);

        Assert.Equal((sku, 1L), (product.Sku, product.Version));
        Assert.Equal(first, repeated);
        Assert.Equal(10, (await client.GetStockAsync(sku))!.Available);
        Assert.Contains(listed.Items, item => item.Sku == sku);

        var shopper = cluster.Client(cluster.Api.HttpAddress);
        await Assert.ThrowsAsync<InvalidOperationException>(() => shopper.RestockAsync(sku, 1));
        var wrongKey = cluster.Client(cluster.Api.HttpAddress, "not-the-key");
        Assert.Equal("unauthorized", (await Assert.ThrowsAnyAsync<DoorbusterProblemException>(() => wrongKey.RestockAsync(sku, 1))).Slug);
    }

    [Fact]
    public async Task ACheckoutWhoseFirstAnswerIsLostReturnsTheSameOrderOnTheClientsRetryAndReservesNothingMore()
    {
        // Arrange: the client talks to the Api through a proxy that can lose an answer on the wire.
        var sku = await cluster.CreateProductAsync(stock: 5);
        await using var proxy = TcpFaultProxy.Start(cluster.Api.HttpAddress.Port);
        var client = cluster.Client(new Uri($"http://127.0.0.1:{proxy.Port}"));
        var cart = await client.CreateCartAsync();
        await client.AddToCartAsync(cart.CartId, sku, 2);

        // Act: the checkout reaches the Api and runs; its answer dies with the connection; the client retries.
        var cut = proxy.CutTheReplyToAsync("/checkout");
        var order = await client.CheckoutAsync(cart.CartId);
        await cut.WaitAsync(TimeSpan.FromSeconds(5));

        // Assert: one order, two units held, not four.
        Assert.Equal(OrderStatus.PendingPayment, order.Status);
        AssertSameOrder(order, await client.GetOrderAsync(order.OrderId));
        Assert.Equal(new Doorbuster.Client.Inventory.Stock(sku, 3, 2, 0), await client.GetStockAsync(sku));
    }

    [Fact]
    public async Task ARestockThatGetsNoAnswerAtAllGivesItsKeyBackAndTheKeyCountsItOnce()
    {
        // Arrange: an operator's client that does not retry (MaxRetries 0), through a proxy that can lose an answer.
        var sku = await cluster.CreateProductAsync(stock: 5);
        await using var proxy = TcpFaultProxy.Start(cluster.Api.HttpAddress.Port);
        var client = cluster.Client(new Uri($"http://127.0.0.1:{proxy.Port}"), ProcessCluster.AdminKey, maxRetries: 0);

        // Act: the restock runs, its answer dies with the connection, and the client gives up.
        var cut = proxy.CutTheReplyToAsync("/restock");
        var gaveUp = await Assert.ThrowsAsync<UnavailableException>(() => client.RestockAsync(sku, 3));
        await cut.WaitAsync(TimeSpan.FromSeconds(5));

        // Assert: the key the client made comes back with the give-up, and the restock sent again with it counts once.
        Assert.Equal("unknown", gaveUp.ChangeApplied);
        Assert.NotNull(gaveUp.IdempotencyKey);
        Assert.Equal(new Doorbuster.Client.Inventory.Stock(sku, 8, 0, 0), await client.RestockAsync(sku, 3, gaveUp.IdempotencyKey));
        Assert.Equal(new Doorbuster.Client.Inventory.Stock(sku, 8, 0, 0), await client.GetStockAsync(sku));
    }

    [Fact]
    public async Task AShopperWaitsTheirTurnInAFlashSaleAndChecksOutWithTheAdmittedTicketOnce()
    {
        // Arrange: an operator puts a sku on sale, opening in two seconds.
        var sku = await cluster.CreateProductAsync(stock: 2);
        var saleId = $"cl-sale-{Guid.NewGuid():N}"[..20];
        var operatorClient = cluster.Client(cluster.Api.HttpAddress, ProcessCluster.AdminKey);
        var sale = await operatorClient.DefineSaleAsync(saleId, new SaleDefinition([sku], DateTimeOffset.UtcNow.AddSeconds(2), AdmitPerSecond: 20));
        var shopper = cluster.Client(cluster.Api.HttpAddress);
        var cart = await shopper.CreateCartAsync();
        await shopper.AddToCartAsync(cart.CartId, sku, 1);

        // Act: join before the start, wait as told, check out with the ticket.
        var ticket = await shopper.JoinSaleAsync(saleId);
        var admitted = await shopper.WaitForTurnAsync(ticket);
        var order = await shopper.CheckoutAsync(cart.CartId, admitted);

        // Assert
        Assert.Equal((SaleStatus.Scheduled, TimeSpan.FromMinutes(5), 2), (sale.Status, sale.AdmissionValidFor, sale.TicketsPerClient));
        Assert.Equal((TicketStatus.Waiting, (long?)null), (ticket.Status, ticket.Position));
        Assert.NotNull(ticket.RetryAfter);
        Assert.Equal((TicketStatus.Admitted, (long?)1), (admitted.Status, admitted.Position));
        Assert.Equal(OrderStatus.PendingPayment, order.Status);
        Assert.Equal(TicketStatus.Used, (await shopper.GetTicketAsync(saleId, ticket.Id))!.Status);
        var second = await shopper.CreateCartAsync();
        await shopper.AddToCartAsync(second.CartId, sku, 1);
        var refused = await Assert.ThrowsAnyAsync<DoorbusterProblemException>(() => shopper.CheckoutAsync(second.CartId, admitted));
        Assert.Equal(("ticket-required", HttpStatusCode.Forbidden), (refused.Slug, refused.Status));
        Assert.Null(await shopper.GetTicketAsync(saleId, new string('A', 40)));
        Assert.Equal(SaleStatus.Ended, (await operatorClient.EndSaleAsync(saleId)).Status);
    }

    [Fact]
    public async Task AJoinWhoseAnswerIsLostIsNotSentAgainBehindTheCallersBack()
    {
        // Arrange: a sale; a shopper's client that does not retry, through a proxy that can lose an answer, on a
        // connection it has used before (.NET's handler sends a request again by itself only on a reused connection).
        var sku = await cluster.CreateProductAsync(stock: 5);
        var saleId = $"cl-lost-{Guid.NewGuid():N}"[..20];
        var operatorClient = cluster.Client(cluster.Api.HttpAddress, ProcessCluster.AdminKey);
        await operatorClient.DefineSaleAsync(saleId, new SaleDefinition([sku], DateTimeOffset.UtcNow.AddMinutes(1), AdmitPerSecond: 20));
        await using var proxy = TcpFaultProxy.Start(cluster.Api.HttpAddress.Port);
        var shopper = cluster.Client(new Uri($"http://127.0.0.1:{proxy.Port}"), maxRetries: 0);
        Assert.NotNull(await shopper.GetSaleAsync(saleId));

        // Act: the join reaches the sale; its answer dies with the connection.
        var cut = proxy.CutTheReplyToAsync("/tickets");
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => shopper.JoinSaleAsync(saleId));
        await cut.WaitAsync(TimeSpan.FromSeconds(5));

        // Assert: one place taken, not two (the sale's figures are at most half a second old).
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while ((await operatorClient.GetSaleAsync(saleId))!.Joined == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(1, (await operatorClient.GetSaleAsync(saleId))!.Joined);
    }

    [Fact]
    public async Task AnApiBehindAPathIsCalledUnderThatPathWithOrWithoutATrailingSlash()
    {
        // Arrange: an Api published under a path, as a gateway would; a handler records where each request went.
        var sent = new List<Uri>();
        var withoutSlash = cluster.Client(new Uri("http://shop.example/doorbuster"), configure: builder => builder.AddHttpMessageHandler(() => new Destination(sent)));
        var withSlash = cluster.Client(new Uri("http://shop.example/doorbuster/"), configure: builder => builder.AddHttpMessageHandler(() => new Destination(sent)));

        // Act
        await withoutSlash.GetProductAsync("SKU-1");
        await withSlash.GetProductAsync("SKU-1");

        // Assert: both under the path, neither at the host's root.
        Assert.Equal([new Uri("http://shop.example/doorbuster/api/products/SKU-1"), new Uri("http://shop.example/doorbuster/api/products/SKU-1")], sent);
    }

    [Fact]
    public async Task AStormOf429sIsRiddenOutAsRetryAfterSays()
    {
        // Arrange: an Api that lets each client 1 request a second (burst 1); a handler that counts every attempt's answer.
        var sku = await cluster.CreateProductAsync(stock: 1);
        var statuses = new List<HttpStatusCode>();
        var client = cluster.Client(
            cluster.SlowApi.HttpAddress, configure: builder => builder.AddHttpMessageHandler(() => new Recorder(statuses)), maxRetries: 10);

        // Act: six reads as fast as the client may.
        var products = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.GetProductAsync(sku)));

        // Assert: every read answered; the Api shed some on the way, and the client waited them out.
        Assert.All(products, product => Assert.Equal(sku, product!.Sku));
        lock (statuses)
        {
            Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        }
    }

    [Fact]
    public async Task TheClientsModelsHaveTheFieldsOfTheDocumentsSchemas()
    {
        using var http = new HttpClient { BaseAddress = cluster.Api.HttpAddress };
        using var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");

        foreach (var (model, schema) in new (Type, string)[]
        {
            (typeof(Product), "ProductResponse"), (typeof(ProductPage), "ProductPageResponse"), (typeof(Doorbuster.Client.Carts.Cart), "CartResponse"),
            (typeof(Doorbuster.Client.Carts.CartItem), "CartItemResponse"), (typeof(Order), "OrderResponse"), (typeof(OrderLine), "OrderLineResponse"),
            (typeof(Doorbuster.Client.Inventory.Stock), "StockResponse"), (typeof(Shortage), "ShortageResponse"), (typeof(ProductUpsert), "ProductUpsertRequest"),
            (typeof(Sale), "SaleResponse"), (typeof(SaleDefinition), "SaleRequest"), (typeof(Ticket), "TicketResponse"),
        })
        {
            var documented = schemas.GetProperty(schema).GetProperty("properties").EnumerateObject().Select(property => property.Name).Order();
            var modelled = model.GetProperties()
                .Where(property => property.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonIgnoreAttribute), inherit: true).Length == 0)
                .Select(property => (property.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonPropertyNameAttribute), inherit: true)
                    .FirstOrDefault() as System.Text.Json.Serialization.JsonPropertyNameAttribute)?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name))
                .Order();
            Assert.True(documented.SequenceEqual(modelled), $"{model.Name} has [{string.Join(", ", modelled)}], {schema} [{string.Join(", ", documented)}]");
        }

        var statuses = schemas.GetProperty("OrderStatusName").GetProperty("enum").EnumerateArray().Select(value => value.GetString());
        Assert.Equal(Enum.GetNames<OrderStatus>(), statuses);
        Assert.Equal(
            ["scheduled", "open", "soldOut", "ended"],
            schemas.GetProperty("SaleStatusName").GetProperty("enum").EnumerateArray().Select(value => value.GetString()));
        Assert.Equal(
            ["waiting", "admitted", "used", "expired", "soldOut", "ended"],
            schemas.GetProperty("TicketStatusName").GetProperty("enum").EnumerateArray().Select(value => value.GetString()));
    }

    private static void AssertSameOrder(Order expected, Order? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected with { Items = [] }, actual with { Items = [] });
        Assert.Equal(expected.Items, actual.Items);
    }

    private sealed class Recorder(List<HttpStatusCode> statuses) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            lock (statuses)
            {
                statuses.Add(response.StatusCode);
            }

            return response;
        }
    }

    /// <summary>Records where a request was sent and answers 404 in place of the server.</summary>
    private sealed class Destination(List<Uri> sent) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (sent)
            {
                sent.Add(request.RequestUri!);
            }

            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound) { RequestMessage = request });
        }
    }

    /// <summary>A store, a silo, an Api, and an Api that gives each client 1 request a second.</summary>
    public sealed class Cluster : IAsyncLifetime
    {
        private ProcessCluster _processes = null!;
        private readonly List<ServiceProvider> _providers = [];

        public DoorbusterProcess Api { get; private set; } = null!;

        public DoorbusterProcess SlowApi { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _processes = await ProcessCluster.StartStoreAsync();
            var silo = _processes.StartSilo("silo");
            await silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            Api = _processes.StartApi("api");
            SlowApi = _processes.StartApi("slow-api", new Dictionary<string, string>
            {
                ["Admission__PerClientRequestsPerSecond"] = "1",
                ["Admission__PerClientBurst"] = "1",
            });
            await Task.WhenAll(Api.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)), SlowApi.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)));
        }

        /// <summary>A client as an application registers it: dependency injection, the client's own retry handler.</summary>
        public DoorbusterClient Client(Uri address, string? adminKey = null, Action<IHttpClientBuilder>? configure = null, int maxRetries = 4)
        {
            var services = new ServiceCollection();
            var builder = services.AddDoorbusterClient(options =>
            {
                options.BaseAddress = address;
                options.AdminKey = adminKey;
                options.MaxRetries = maxRetries;
                options.MaxRetryDelay = TimeSpan.FromSeconds(3);
            });
            configure?.Invoke(builder);
            var provider = services.BuildServiceProvider();
            lock (_providers)
            {
                _providers.Add(provider);
            }

            return provider.GetRequiredService<DoorbusterClient>();
        }

        public async Task<string> CreateProductAsync(int stock)
        {
            var sku = $"CL-{Guid.NewGuid():N}"[..16];
            var admin = Client(Api.HttpAddress, ProcessCluster.AdminKey);
            await admin.UpsertProductAsync(sku, new ProductUpsert($"Client {sku}", "client", 4.25m));
            await admin.RestockAsync(sku, stock);
            return sku;
        }

        public async Task DisposeAsync()
        {
            foreach (var provider in _providers)
            {
                await provider.DisposeAsync();
            }

            await _processes.DisposeAsync();
        }
    }
}
