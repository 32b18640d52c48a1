using Doorbuster.ServiceDefaults.Admin;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Doorbuster.Api.FrontDoor.OpenApi;

/// <summary>
/// The document-wide parts: what the document is, the admin key's security scheme (which the operations
/// refer to), and server addresses without a trailing slash, since paths begin with one.
/// </summary>
internal sealed class ContractDocumentTransformer : IOpenApiDocumentTransformer
{
    /// <summary>The feature tags of the endpoints (<c>WithTags</c>), described as the contract's sections.</summary>
    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Catalog"] = "Products: read by everyone, written with the admin key. A change is visible on every Api instance within a second.",
        ["Inventory"] = "Stock per sku: available + reserved + sold always equals everything ever restocked.",
        ["Carts"] = "Server-issued carts: the signed cart id is the shopper's capability; an id the server did not issue is a 404.",
        ["Orders"] = "Checkout (all or nothing, idempotent per Idempotency-Key), payment and cancellation.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
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

        foreach (var server in document.Servers ?? [])
        {
            if (server.Url is { Length: > 1 } url && url.EndsWith('/'))
            {
                server.Url = url.TrimEnd('/');
            }
        }

        return Task.CompletedTask;
    }
}
