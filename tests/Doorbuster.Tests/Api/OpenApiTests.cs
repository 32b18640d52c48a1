using System.Net;
using System.Text.Json;
using Doorbuster.ServiceDefaults.Admin;
using Doorbuster.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Doorbuster.Tests.Api;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c> agrees with <c>docs/http-api.md</c>: the same routes, the
/// responses each really gives, problem documents for errors, the admin key as a security scheme, and the
/// required fields of the contract. (ci/validate-openapi.sh checks the same document with Redocly and Prism.)
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OpenApiTests(ApiFactory api)
{
    private static readonly string[] HttpMethods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
    private static readonly string[] ProblemFields = ["type", "title", "status", "detail"];

    /// <summary>Every status each operation documents: the contract's table rows plus the front door's rules.</summary>
    private static readonly Dictionary<string, int[]> ExpectedStatuses = new()
    {
        ["GetProduct"] = [200, 400, 404],
        ["ListProducts"] = [200, 400],
        ["UpsertProduct"] = [200, 400, 401, 413, 415],
        ["GetStock"] = [200, 400, 404],
        ["Restock"] = [200, 400, 401, 404, 413, 415, 422],
        ["CreateCart"] = [201],
        ["GetCart"] = [200, 400, 404],
        ["AddCartItem"] = [200, 400, 404, 409, 413, 415],
        ["SetCartItem"] = [200, 400, 404, 409, 413, 415],
        ["RemoveCartItem"] = [200, 400, 404],
        ["ClearCart"] = [204, 400, 404],
        ["Checkout"] = [201, 400, 403, 404, 409],
        ["GetOrder"] = [200, 400, 404],
        ["PayOrder"] = [200, 400, 404, 409],
        ["CancelOrder"] = [200, 400, 404, 409],
        ["DefineSale"] = [200, 400, 401, 404, 413, 415],
        ["GetSale"] = [200, 400, 404],
        ["EndSale"] = [200, 400, 401, 404],
        ["JoinSale"] = [201, 400, 404, 409],
        ["GetTicket"] = [200, 400, 404],
    };

    [Fact]
    public async Task TheDocumentHasEveryApiRouteOfTheContractAndNoOther()
    {
        var documented = Operations(await DocumentAsync()).Select(operation => operation.Route).ToHashSet();
        var contract = ContractRoutes.Read();

        // The contract's Operations table (health, metrics, the document itself) is not part of the shop's API:
        // those routes are probes and machine-read formats, so the document leaves them out and only /api is compared.
        var contractApi = contract.Where(route => route.Path.StartsWith("/api/", StringComparison.Ordinal)).Select(route => route.ToString()).ToHashSet();
        Assert.True(contractApi.Count >= 15, $"Read only {contractApi.Count} /api routes from {ContractRoutes.DocumentPath}: has its table format changed?");
        Assert.True(
            contractApi.SetEquals(documented),
            $"In docs/http-api.md but not in the OpenAPI document: [{string.Join(", ", contractApi.Except(documented))}]; " +
            $"in the document but not in docs/http-api.md: [{string.Join(", ", documented.Except(contractApi))}].");

        // Those operations routes must still be real, and answered by the Api without a key.
        var client = api.CreateClient();
        foreach (var route in contract.Where(route => !route.Path.StartsWith("/api/", StringComparison.Ordinal)))
        {
            Assert.Equal("GET", route.Method);
            var response = await client.GetAsync(route.Path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{route} from docs/http-api.md answered {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task EveryApiOperationDocumentsSheddingAndOutagesWithRetryAfter()
    {
        var document = await DocumentAsync();

        foreach (var operation in Operations(document))
        {
            foreach (var status in (string[])["429", "503"])
            {
                Assert.True(operation.Responses.TryGetProperty(status, out var response), $"{operation.Route} does not document {status}");
                var retryAfter = Resolve(document, response).GetProperty("headers").GetProperty("Retry-After");
                Assert.True(retryAfter.GetProperty("required").GetBoolean(), $"{operation.Route} {status}: Retry-After is not required");
                Assert.Equal("integer", retryAfter.GetProperty("schema").GetProperty("type").GetString());
            }
        }
    }

    [Fact]
    public async Task EveryErrorResponseIsAProblemDocumentDerivedFromProblemDetails()
    {
        var document = await DocumentAsync();
        var problem = Schema(document, "ProblemDetails");
        var required = problem.GetProperty("required").EnumerateArray().Select(field => field.GetString()).ToArray();
        Assert.True(ProblemFields.All(required.Contains), $"ProblemDetails requires [{string.Join(", ", required)}]");

        foreach (var operation in Operations(document))
        {
            foreach (var response in operation.Responses.EnumerateObject().Where(response => int.Parse(response.Name) >= 400))
            {
                var content = Resolve(document, response.Value).GetProperty("content");
                Assert.Equal(["application/problem+json"], content.EnumerateObject().Select(media => media.Name));
                var reference = content.GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString()!;
                var name = reference[(reference.LastIndexOf('/') + 1)..];
                Assert.True(
                    name == "ProblemDetails" || BaseOf(Schema(document, name)) == "ProblemDetails",
                    $"{operation.Route} {response.Name}: {name} does not derive from ProblemDetails (allOf)");
                var expected = (operation.Id, response.Name) switch
                {
                    (_, "400") => "ValidationProblemDetails",
                    ("Checkout", "409") => "InsufficientStockProblem",
                    ("PayOrder" or "CancelOrder", "409") => "OrderConflictProblem",
                    (_, "503") => "UnavailableProblem",
                    _ => "ProblemDetails",
                };
                Assert.True(name == expected, $"{operation.Route} {response.Name}: answers {name}, expected {expected}");
            }
        }
    }

    [Fact]
    public async Task EveryProblemExtensionTheApiSendsIsModelledAndDetailIsTheMessage()
    {
        var document = await DocumentAsync();

        var problem = Schema(document, "ProblemDetails").GetProperty("properties");
        Assert.True(problem.TryGetProperty("traceId", out _), "traceId, sent with every problem, is not modelled");
        Assert.True(
            problem.GetProperty("detail").TryGetProperty("x-ms-primary-error-message", out var primary) && primary.GetBoolean(),
            "detail is not marked as the error message (x-ms-primary-error-message)");
        var types = problem.GetProperty("type").GetProperty("description").GetString()!;
        Assert.All(
            ["validation", "empty-cart", "not-found", "insufficient-stock", "order-state", "lines-unsold", "overloaded", "unavailable", "ticket-required", "sale-ended", "too-many-tickets"],
            slug => Assert.Contains(slug, types, StringComparison.Ordinal));

        Assert.True(DerivedProperties(document, "ValidationProblemDetails").TryGetProperty("errors", out _), "errors is not modelled");
        var shortages = DerivedProperties(document, "InsufficientStockProblem").GetProperty("shortages");
        Assert.EndsWith("/ShortageResponse", shortages.GetProperty("items").GetProperty("$ref").GetString(), StringComparison.Ordinal);

        // A checkout's 409 is insufficient-stock (with shortages) or currency-mismatch (without): none may be required.
        var checkoutConflict = Schema(document, "InsufficientStockProblem").GetRawText();
        Assert.DoesNotContain("\"required\"", checkoutConflict, StringComparison.Ordinal);
        Assert.Contains("currency-mismatch", checkoutConflict, StringComparison.Ordinal);
        Assert.True(DerivedProperties(document, "OrderConflictProblem").TryGetProperty("unsoldSkus", out _), "unsoldSkus is not modelled");
        var changeApplied = DerivedProperties(document, "UnavailableProblem").GetProperty("changeApplied");
        Assert.Equal(["no", "unknown"], changeApplied.GetProperty("enum").EnumerateArray().Select(value => value.GetString()));
    }

    [Fact]
    public async Task MoneyIsADecimalAndAnOrdersStatusIsAnEnumOfTheContractsStates()
    {
        var document = await DocumentAsync();

        foreach (var (schema, property) in new[]
        {
            ("ProductResponse", "price"), ("ProductUpsertRequest", "price"), ("CartResponse", "total"), ("CartItemResponse", "unitPrice"),
            ("CartItemResponse", "lineTotal"), ("OrderResponse", "total"), ("OrderLineResponse", "unitPrice"), ("OrderLineResponse", "lineTotal"),
        })
        {
            Assert.True(Schema(document, schema).GetProperty("properties").GetProperty(property).GetProperty("format").GetString() == "decimal", $"{schema}.{property} is not a decimal");
        }

        var status = Resolve(document, Schema(document, "OrderResponse").GetProperty("properties").GetProperty("status"));
        Assert.Equal(["PendingPayment", "Paid", "Cancelled", "Expired"], status.GetProperty("enum").EnumerateArray().Select(value => value.GetString()));

        // An order line is a type of its own, not a cart's line.
        var items = Schema(document, "OrderResponse").GetProperty("properties").GetProperty("items").GetProperty("items").GetProperty("$ref").GetString();
        Assert.Equal("#/components/schemas/OrderLineResponse", items);
    }

    [Fact]
    public async Task EveryOperationParameterAndPropertyIsDescribed()
    {
        var document = await DocumentAsync();
        var missing = new List<string>();
        foreach (var operation in Operations(document))
        {
            if (!operation.Json.TryGetProperty("description", out var description) || string.IsNullOrWhiteSpace(description.GetString()))
            {
                missing.Add(operation.Route);
            }

            foreach (var parameter in operation.Json.TryGetProperty("parameters", out var parameters) ? parameters.EnumerateArray() : Enumerable.Empty<JsonElement>())
            {
                if (!parameter.TryGetProperty("description", out _))
                {
                    missing.Add($"{operation.Route} parameter {parameter.GetProperty("name").GetString()}");
                }
            }
        }

        foreach (var schema in document.GetProperty("components").GetProperty("schemas").EnumerateObject())
        {
            var properties = schema.Value.TryGetProperty("properties", out var own) ? own
                : schema.Value.TryGetProperty("allOf", out _) ? DerivedProperties(document, schema.Name) : default;
            foreach (var property in properties.ValueKind == JsonValueKind.Object ? properties.EnumerateObject() : Enumerable.Empty<JsonProperty>())
            {
                if (!property.Value.TryGetProperty("description", out _))
                {
                    missing.Add($"{schema.Name}.{property.Name}");
                }
            }
        }

        Assert.True(missing.Count == 0, $"Without a description: {string.Join(", ", missing)}");
    }

    [Fact]
    public async Task TheContractsBoundsAndPatternsAreInTheDocument()
    {
        var document = await DocumentAsync();

        var checkout = Operation(document, "Checkout").Json.GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("schema"));
        Assert.Equal(Identifiers.Pattern, checkout["cartId"].GetProperty("pattern").GetString());
        Assert.Equal((1, 64), (checkout["Idempotency-Key"].GetProperty("minLength").GetInt32(), checkout["Idempotency-Key"].GetProperty("maxLength").GetInt32()));
        var list = Operation(document, "ListProducts").Json.GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("schema"));
        Assert.Equal((1, 100), (list["pageSize"].GetProperty("minimum").GetInt32(), list["pageSize"].GetProperty("maximum").GetInt32()));
        Assert.Equal(1, list["page"].GetProperty("minimum").GetInt32());

        Assert.Equal((1, 99), Bounds(Schema(document, "AddCartItemRequest"), "quantity"));
        Assert.Equal((0, 99), Bounds(Schema(document, "SetCartItemRequest"), "quantity"));
        Assert.Equal((1, 1_000_000), Bounds(Schema(document, "RestockRequest"), "quantity"));
        var upsert = Schema(document, "ProductUpsertRequest").GetProperty("properties");
        Assert.Equal((1, 200), (upsert.GetProperty("name").GetProperty("minLength").GetInt32(), upsert.GetProperty("name").GetProperty("maxLength").GetInt32()));
        Assert.Equal(4000, upsert.GetProperty("description").GetProperty("maxLength").GetInt32());
        Assert.Equal(Identifiers.Pattern, upsert.GetProperty("category").GetProperty("pattern").GetString());
        Assert.Equal(1_000_000m, upsert.GetProperty("price").GetProperty("maximum").GetDecimal());
    }

    [Fact]
    public async Task EachOperationDocumentsExactlyTheStatusesItCanAnswer()
    {
        var operations = Operations(await DocumentAsync()).ToDictionary(operation => operation.Id);

        Assert.Equal(ExpectedStatuses.Keys.Order(), operations.Keys.Order());
        foreach (var (id, statuses) in ExpectedStatuses)
        {
            var documented = operations[id].Responses.EnumerateObject().Select(response => int.Parse(response.Name)).Order();
            Assert.True(
                statuses.Append(429).Append(503).Order().SequenceEqual(documented),
                $"{id} documents [{string.Join(", ", documented)}]; expected [{string.Join(", ", statuses)}, 429, 503]");
        }
    }

    [Theory]
    [InlineData("CreateCart")]
    [InlineData("Checkout")]
    [InlineData("JoinSale")]
    public async Task ACreatedAnswerDocumentsItsLocation(string operationId)
    {
        var document = await DocumentAsync();
        var created = Resolve(document, Operation(document, operationId).Responses.GetProperty("201"));

        var location = created.GetProperty("headers").GetProperty("Location");

        Assert.True(location.GetProperty("required").GetBoolean());
        Assert.Equal("string", location.GetProperty("schema").GetProperty("type").GetString());
    }

    [Fact]
    public async Task AdminOperationsRequireTheApiKeySchemeAndPublicOnesDeclareNoSecurity()
    {
        var document = await DocumentAsync();
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("adminKey");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
        Assert.Equal(AdminOptions.HeaderName, scheme.GetProperty("name").GetString());

        // Three sources must agree: the endpoints the admin-key gate guards, the **admin** marks of the contract, and the document.
        var gated = api.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.Metadata.GetMetadata<AdminKeyGate.AdminKeyRequired>() is not null)
            .SelectMany(endpoint => endpoint.Metadata.GetRequiredMetadata<IHttpMethodMetadata>().HttpMethods
                .Select(method => $"{method} {endpoint.RoutePattern.RawText!.TrimEnd('/')}"))
            .Order()
            .ToArray();
        var marked = ContractRoutes.Read().Where(route => route.IsAdmin).Select(route => route.ToString()).Order().ToArray();
        Assert.Equal(marked, gated);

        foreach (var operation in Operations(document))
        {
            var security = operation.Json.GetProperty("security");
            if (gated.Contains(operation.Route))
            {
                var requirement = Assert.Single(security.EnumerateArray());
                Assert.Equal(["adminKey"], requirement.EnumerateObject().Select(scheme => scheme.Name));
            }
            else
            {
                Assert.True(security.GetArrayLength() == 0, $"{operation.Route} is public but declares security {security}");
            }
        }
    }

    [Theory]
    [InlineData("UpsertProduct", new[] { "category", "name", "price" })]
    [InlineData("AddCartItem", new[] { "quantity", "sku" })]
    [InlineData("SetCartItem", new[] { "quantity" })]
    [InlineData("Restock", new[] { "quantity" })]
    [InlineData("DefineSale", new[] { "admitPerSecond", "skus", "startsAt" })]
    public async Task ARequestBodyRequiresExactlyTheFieldsTheContractRequires(string operationId, string[] required)
    {
        var document = await DocumentAsync();
        var body = Operation(document, operationId).Json.GetProperty("requestBody").GetProperty("content").GetProperty("application/json");

        var schema = Resolve(document, body.GetProperty("schema"));

        Assert.Equal(required, schema.GetProperty("required").EnumerateArray().Select(field => field.GetString()).Order());
        foreach (var field in required)
        {
            // The Api answers a null in a required field with a 400, so the document must not allow it.
            var type = schema.GetProperty("properties").GetProperty(field).GetProperty("type");
            Assert.True(type.ValueKind == JsonValueKind.String, $"{operationId}: required '{field}' may be null ({type})");
        }
    }

    [Fact]
    public async Task TheUpsertBodyLeavesDescriptionAndCurrencyOptional()
    {
        var document = await DocumentAsync();
        var body = Operation(document, "UpsertProduct").Json.GetProperty("requestBody").GetProperty("content").GetProperty("application/json");

        var properties = Resolve(document, body.GetProperty("schema")).GetProperty("properties");

        Assert.True(properties.TryGetProperty("description", out _));
        Assert.True(properties.TryGetProperty("currency", out _));
    }

    [Fact]
    public async Task CheckoutRequiresAnIdempotencyKeyAndRestockMerelyAcceptsOne()
    {
        var document = await DocumentAsync();

        static bool Required(JsonElement operation) =>
            operation.GetProperty("parameters").EnumerateArray()
                .Single(parameter => parameter.GetProperty("name").GetString() == "Idempotency-Key" && parameter.GetProperty("in").GetString() == "header")
                .TryGetProperty("required", out var required) && required.GetBoolean();

        Assert.True(Required(Operation(document, "Checkout").Json));
        Assert.False(Required(Operation(document, "Restock").Json));
    }

    [Fact]
    public async Task TheServerAddressIsTheConfiguredOneAndNeverTheRequestsHost()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json") { Headers = { Host = "evil.example" } };
        var unconfigured = await (await api.CreateClient().SendAsync(request)).AssertOkJsonAsync();
        Assert.Equal(["/"], unconfigured.GetProperty("servers").EnumerateArray().Select(server => server.GetProperty("url").GetString()));

        await using var configured = api.WithWebHostBuilder(builder => builder.UseSetting("OpenApi:ServerUrl", "https://shop.example/"));
        var forged = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json") { Headers = { Host = "evil.example" } };
        var document = await (await configured.CreateClient().SendAsync(forged)).AssertOkJsonAsync();
        Assert.Equal(["https://shop.example"], document.GetProperty("servers").EnumerateArray().Select(server => server.GetProperty("url").GetString()));
    }

    [Fact]
    public async Task TheScalarReferenceIsServedOnAnEmbeddedDevelopmentRunOnly()
    {
        // The shared factory runs embedded mode in the Development environment, as `dotnet run` does.
        var development = await api.CreateClient().GetAsync("/scalar");
        Assert.Equal(HttpStatusCode.OK, development.StatusCode);
        Assert.Equal("text/html", development.Content.Headers.ContentType?.MediaType);

        await using var production = api.WithWebHostBuilder(builder => builder.UseEnvironment("Production"));
        var client = production.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/scalar")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/openapi/v1.json")).StatusCode);
    }

    private static JsonElement Schema(JsonElement document, string name) => document.GetProperty("components").GetProperty("schemas").GetProperty(name);

    /// <summary>The schema a derived problem names first in its <c>allOf</c>.</summary>
    private static string? BaseOf(JsonElement schema) =>
        schema.TryGetProperty("allOf", out var parts) && parts[0].TryGetProperty("$ref", out var reference)
            ? reference.GetString()![(reference.GetString()!.LastIndexOf('/') + 1)..]
            : null;

    /// <summary>The properties a derived schema adds to its base (the second part of its <c>allOf</c>).</summary>
    private static JsonElement DerivedProperties(JsonElement document, string name) => Schema(document, name).GetProperty("allOf")[1].GetProperty("properties");

    private static (int Minimum, int Maximum) Bounds(JsonElement schema, string property)
    {
        var value = schema.GetProperty("properties").GetProperty(property);
        return (value.GetProperty("minimum").GetInt32(), value.GetProperty("maximum").GetInt32());
    }

    private async Task<JsonElement> DocumentAsync() => await (await api.CreateClient().GetAsync("/openapi/v1.json")).AssertOkJsonAsync();

    private static IEnumerable<DocumentedOperation> Operations(JsonElement document) =>
        from path in document.GetProperty("paths").EnumerateObject()
        from operation in path.Value.EnumerateObject()
        where HttpMethods.Contains(operation.Name)
        select new DocumentedOperation(
            $"{operation.Name.ToUpperInvariant()} {path.Name}",
            operation.Value.GetProperty("operationId").GetString()!,
            operation.Value,
            operation.Value.GetProperty("responses"));

    private static DocumentedOperation Operation(JsonElement document, string id) => Operations(document).Single(operation => operation.Id == id);

    /// <summary>Follows a local <c>$ref</c> (<c>#/components/...</c>); anything else is returned as it is.</summary>
    private static JsonElement Resolve(JsonElement document, JsonElement element)
    {
        if (!element.TryGetProperty("$ref", out var reference))
        {
            return element;
        }

        var target = document;
        foreach (var segment in reference.GetString()!.TrimStart('#', '/').Split('/'))
        {
            target = target.GetProperty(segment);
        }

        return target;
    }

    private sealed record DocumentedOperation(string Route, string Id, JsonElement Json, JsonElement Responses);
}
