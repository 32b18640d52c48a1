using Doorbuster.Api.Orders;
using Doorbuster.ServiceDefaults.Admin;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Doorbuster.Api.FrontDoor.OpenApi;

/// <summary>
/// The document-wide parts: what the document is, the admin key's security scheme (which the operations
/// refer to), the problem schemas (<see cref="ProblemSchemas"/>), and the server address: the one configured
/// (<see cref="OpenApiOptions.ServerUrl"/>), never one a request chose with its <c>Host</c> header; without one, <c>/</c>, so clients
/// use the address they fetched the document from.
/// </summary>
internal sealed class ContractDocumentTransformer(Microsoft.Extensions.Options.IOptions<OpenApiOptions> options) : IOpenApiDocumentTransformer
{
    /// <summary>The feature tags of the endpoints (<c>WithTags</c>), described as the contract's sections.</summary>
    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Catalog"] = "Products: read by everyone, written with the admin key. A change is visible on every Api instance within a second.",
        ["Inventory"] = "Stock per sku: available + reserved + sold always equals everything ever restocked.",
        ["Carts"] = "Server-issued carts: the signed cart id is the shopper's capability; an id the server did not issue is a 404.",
        ["Orders"] = "Checkout (all or nothing, idempotent per Idempotency-Key), payment and cancellation.",
    };

    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Doorbuster HTTP API";
        document.Info.Description =
            "The front door of the Doorbuster store: catalog, inventory, carts, checkout and orders. Every error is an RFC 9457 "
            + "problem document (application/problem+json). Admin operations require the X-Api-Key header. The contract, "
            + "with the rules this document cannot express, is docs/http-api.md in the repository.";

        foreach (var tag in document.Tags ?? Enumerable.Empty<OpenApiTag>())
        {
            tag.Description ??= tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description) ? description : null;
        }

        document.AddComponent<IOpenApiSecurityScheme>(ContractOpenApi.AdminKeySchemeName, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = AdminOptions.HeaderName,
            Description = "The admin key (configuration Admin:ApiKey, environment Admin__ApiKey); embedded mode logs a generated one at start-up.",
        });

        document.Servers = options.Value.ServerUrl is { } url
            ? [new OpenApiServer { Url = url.AbsoluteUri.TrimEnd('/'), Description = "The public address of this deployment." }]
            : [new OpenApiServer { Url = "/", Description = "Wherever this document was fetched from (a deployment may advertise its public address)." }];

        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas.TryAdd(nameof(ShortageResponse), await context.GetOrCreateSchemaAsync(typeof(ShortageResponse), null, cancellationToken));
        ProblemSchemas.Apply(document);
    }
}
