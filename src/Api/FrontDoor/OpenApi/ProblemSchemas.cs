using System.Globalization;
using System.Text.Json.Nodes;
using Doorbuster.ServiceDefaults;
using Microsoft.OpenApi;
using Microsoft.OpenApi.MicrosoftExtensions;

namespace Doorbuster.Api.FrontDoor.OpenApi;

/// <summary>
/// The problem documents of the contract as a hierarchy a client generator can map to exceptions: one
/// <c>ProblemDetails</c> base, and each problem with extensions derived from it with <c>allOf</c>, so that catching
/// the base catches every error. Every problem response of every operation points at the one it can be.
/// </summary>
internal static class ProblemSchemas
{
    public const string Base = "ProblemDetails";
    public const string Validation = "ValidationProblemDetails";
    public const string InsufficientStock = "InsufficientStockProblem";
    public const string OrderConflict = "OrderConflictProblem";
    public const string Unavailable = "UnavailableProblem";

    /// <summary>The slugs of the contract's problem <c>type</c> URIs (docs/http-api.md, "Problem types").</summary>
    public static readonly string[] Slugs =
    [
        "validation", "empty-cart", "unauthorized", "not-found", "line-limit", "cart-full", "currency-mismatch",
        "insufficient-stock", "order-state", "lines-unsold", "payload-too-large", "idempotency-key-reused", "overloaded", "unavailable",
        "ticket-required", "sale-ended", "too-many-tickets",
    ];

    /// <summary>Adds the problem schemas and points every problem response at the right one.</summary>
    public static void Apply(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        var schemas = document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        schemas[Base] = BaseSchema();
        schemas[Validation] = Derived(document, "A request the contract refuses: the errors say which field or header, and why.", new Dictionary<string, IOpenApiSchema>
        {
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "The problems by field name (or header name), each a list of messages.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
        });
        schemas[InsufficientStock] = Derived(
            document,
            "A checkout refused, nothing reserved: not every line could be reserved (insufficient-stock, with the shortages), or the cart's products are priced in more than one currency now (currency-mismatch, without).",
            new Dictionary<string, IOpenApiSchema>
            {
                ["shortages"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    Description = "With insufficient-stock: each short line, what the cart wanted and what was available.",
                    Items = new OpenApiSchemaReference("ShortageResponse", document),
                },
            });
        schemas[OrderConflict] = Derived(document, "A payment or cancellation the order's state forbids (order-state), or a payment that could not sell every line (lines-unsold).", new Dictionary<string, IOpenApiSchema>
        {
            ["unsoldSkus"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Description = "With lines-unsold: the skus of the lines that were paid but could not be sold.",
                Items = new OpenApiSchema { Type = JsonSchemaType.String },
            },
        });
        schemas[Unavailable] = Derived(document, "The cluster or Redis cannot serve the request right now; retry after Retry-After.", new Dictionary<string, IOpenApiSchema>
        {
            ["changeApplied"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "On a write: no (the change was certainly not applied) or unknown (it may have been: retry with the same Idempotency-Key).",
                Enum = [JsonValue.Create("no"), JsonValue.Create("unknown")],
            },
        });
        schemas.Remove("HttpValidationProblemDetails");

        foreach (var operation in (document.Paths ?? []).Values.SelectMany(path => path.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>()))
        {
            foreach (var (status, response) in operation.Responses ?? [])
            {
                if (response is OpenApiResponse { Content: { } content } && content.TryGetValue("application/problem+json", out var media))
                {
                    media.Schema = new OpenApiSchemaReference(For(operation.OperationId, int.Parse(status, CultureInfo.InvariantCulture)), document);
                }
            }
        }
    }

    private static string For(string? operationId, int status) => (operationId, status) switch
    {
        (_, 400) => Validation,
        ("Checkout", 409) => InsufficientStock,
        ("PayOrder" or "CancelOrder", 409) => OrderConflict,
        (_, 503) => Unavailable,
        _ => Base,
    };

    private static OpenApiSchema BaseSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "An RFC 9457 problem document: every error of the Api is one.",
        Required = new HashSet<string>(["type", "title", "status", "detail"], StringComparer.Ordinal),
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Format = "uri",
                Description = "What went wrong: " + ProblemTypes.For("{slug}") + " with one of the slugs "
                    + string.Join(", ", Slugs) + "; a refusal of the framework (malformed JSON, a wrong content type) names the RFC 9110 section of its status.",
                Examples = [.. Slugs.Select(slug => (JsonNode)JsonValue.Create(ProblemTypes.For(slug)))],
            },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A short summary of the problem type." },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status of the answer." },
            ["detail"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "What went wrong with this request, in words.",
                Extensions = new Dictionary<string, IOpenApiExtension>
                {
                    [OpenApiPrimaryErrorMessageExtension.Name] = new OpenApiPrimaryErrorMessageExtension { IsPrimaryErrorMessage = true },
                },
            },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "The request the problem is about, when given." },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The W3C trace id of the request, to find it in the logs and traces." },
        },
    };

    private static OpenApiSchema Derived(OpenApiDocument document, string description, Dictionary<string, IOpenApiSchema> extensions) => new()
    {
        Description = description,
        AllOf =
        [
            new OpenApiSchemaReference(Base, document),
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Properties = extensions,
            },
        ],
    };
}
