using System.Globalization;
using Doorbuster.Api.Carts;
using Doorbuster.ServiceDefaults.Admin;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Doorbuster.Api.FrontDoor.OpenApi;

/// <summary>
/// Documents the answers that no handler returns itself but the front door gives on its behalf, each from
/// the metadata of the policy that gives it: admission control and outages (429 and 503 with
/// <c>Retry-After</c>, on every <c>/api</c> route), the admin key (401 and the security requirement), the
/// route id checks (400), the cart id gate (404), and the body rules (400, 413, 415). Every such answer is a
/// problem document. A status an endpoint already declares keeps its own description.
/// </summary>
internal sealed class ContractResponsesTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var document = context.Document ?? throw new InvalidOperationException("The operation transformer runs without its document.");
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var problems = new ProblemResponses(
            operation.Responses ??= [],
            await ComponentAsync<ProblemDetails>(document, context, cancellationToken),
            await ComponentAsync<HttpValidationProblemDetails>(document, context, cancellationToken));

        if (metadata.OfType<FrontDoorExtensions.RouteIdsValidated>().Any() || metadata.OfType<CartIdGate.IssuedCartIdRequired>().Any())
        {
            problems.AddValidation($"An identifier in the route is malformed (it must be {Identifiers.Rule}).");
        }

        if (metadata.OfType<CartIdGate.IssuedCartIdRequired>().Any())
        {
            problems.Add(StatusCodes.Status404NotFound, "No such cart: the id was not issued by this server (made up, altered or signed with another key).");
        }

        if (operation.RequestBody is not null)
        {
            problems.AddValidation("The body is malformed JSON, has a field of the wrong type, or a field is invalid (see errors).");
            problems.Add(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {FrontDoorExtensions.MaxRequestBodyBytes} bytes.");
            problems.Add(StatusCodes.Status415UnsupportedMediaType, "The body is not application/json.");
        }

        if (metadata.OfType<AdminKeyGate.AdminKeyRequired>().Any())
        {
            problems.Add(StatusCodes.Status401Unauthorized, $"The {AdminOptions.HeaderName} header is missing or does not hold the admin key.");
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ContractOpenApi.AdminKeySchemeName, document)] = [] }];
        }
        else
        {
            // An explicit "no security", so that readers and linters know the operation is public on purpose.
            operation.Security = [];
        }

        // Admission control sheds only /api requests (AdmissionControl.Classify); every one of them may meet an outage.
        if (context.Description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true)
        {
            problems.Add(
                StatusCodes.Status429TooManyRequests,
                operation.OperationId == "JoinSale"
                    ? "Shed by admission control (the request was not processed; retry after Retry-After seconds), or too-many-tickets: "
                        + "this client already holds the sale's ticket limit."
                    : "Shed by admission control; the request was not processed. Retry after Retry-After seconds.",
                RetryAfter());
            problems.Add(
                StatusCodes.Status503ServiceUnavailable,
                "The cluster or Redis cannot serve the request right now (answered within 2 seconds). On a write, changeApplied says "
                    + "\"no\" (certainly not applied) or \"unknown\" (retry with the same Idempotency-Key). Retry after Retry-After seconds.",
                RetryAfter());
        }

        DescribeParameters(operation);
        operation.Description ??= operation.Summary;

        // In status order, as a reader looks them up.
        var ordered = operation.Responses.OrderBy(entry => entry.Key, StringComparer.Ordinal).ToList();
        operation.Responses.Clear();
        foreach (var (status, response) in ordered)
        {
            operation.Responses[status] = response;
            if (operation.OperationId is "JoinSale" or "GetTicket" && status is "200" or "201" && response is OpenApiResponse ticket)
            {
                ticket.Headers ??= new Dictionary<string, IOpenApiHeader>();
                ticket.Headers[Microsoft.Net.Http.Headers.HeaderNames.RetryAfter] = new OpenApiHeader
                {
                    Description = "While the ticket waits (or the sale is sold out): seconds before polling it again.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" },
                };
            }

            if (status == StatusCodes.Status201Created.ToString(CultureInfo.InvariantCulture) && response is OpenApiResponse created)
            {
                created.Headers ??= new Dictionary<string, IOpenApiHeader>();
                created.Headers[Microsoft.Net.Http.Headers.HeaderNames.Location] = new OpenApiHeader
                {
                    Description = "The path of the created resource.",
                    Required = true,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" },
                };
            }
        }
    }

    /// <summary>The contract's rules for each parameter, as schema bounds and patterns, and what it means.</summary>
    private static void DescribeParameters(OpenApiOperation operation)
    {
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            var schema = parameter.Schema as OpenApiSchema;
            switch (parameter.Name)
            {
                case "sku" or "cartId" or "orderId" or "category":
                    parameter.Description ??= parameter.Name switch
                    {
                        "sku" => "The product (its stock keeping unit).",
                        "cartId" => "The cart, by the id POST /api/carts issued; an id the server did not issue is a 404.",
                        "orderId" => "The order, by the id its checkout answered with.",
                        _ => "List only the products of this category; every product when left out.",
                    };
                    if (schema is not null)
                    {
                        schema.Pattern = Identifiers.Pattern;
                        schema.MinLength = 1;
                        schema.MaxLength = Identifiers.MaxLength;
                    }

                    break;
                case "saleId":
                    parameter.Description ??= "The flash sale, by the id its operator gave it.";
                    if (schema is not null)
                    {
                        schema.Pattern = Identifiers.Pattern;
                        schema.MinLength = 1;
                        schema.MaxLength = Identifiers.MaxLength;
                    }

                    break;
                case "ticket" or Sales.SaleApi.TicketHeader:
                    parameter.Description ??= parameter.Name == "ticket"
                        ? "The ticket, as joining the sale answered it; a ticket the sale did not issue is a 404."
                        : "Needed when the cart holds skus of an open or sold-out flash sale: an admitted ticket of that sale, not yet used or expired (otherwise 403 ticket-required, and nothing is reserved). A ticket lets one checkout through.";
                    if (schema is not null)
                    {
                        schema.Pattern = "^[A-Za-z0-9_-]{40}$";
                        schema.MinLength = 40;
                        schema.MaxLength = 40;
                    }

                    break;
                case "page":
                    parameter.Description ??= "The page, from 1 (1 when left out).";
                    if (schema is not null)
                    {
                        schema.Minimum = "1";
                    }

                    break;
                case "pageSize":
                    parameter.Description ??= "Products per page, 1-100 (20 when left out).";
                    if (schema is not null)
                    {
                        schema.Minimum = "1";
                        schema.Maximum = "100";
                    }

                    break;
                case Orders.OrderApi.IdempotencyKeyHeader:
                    parameter.Description ??= parameter.Required
                        ? "Names this checkout: a repeat with the same key returns the same order and reserves nothing more, also after a lost answer. 1-64 visible ASCII characters."
                        : "Names this restock: a repeat with the same key within 24 hours is counted once and answered like the first. 1-64 visible ASCII characters.";
                    if (schema is not null)
                    {
                        schema.MinLength = 1;
                        schema.MaxLength = Doorbuster.Orders.OrderIds.MaxIdempotencyKeyLength;
                        schema.Pattern = "^[!-~]{1,64}$";
                    }

                    break;
            }
        }
    }

    /// <summary>A reference to the component schema of <typeparamref name="T"/>, generated by the library the first time.</summary>
    private static async Task<IOpenApiSchema> ComponentAsync<T>(
        OpenApiDocument document, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var id = typeof(T).Name;
        if (document.Components?.Schemas?.ContainsKey(id) != true)
        {
            document.AddComponent<IOpenApiSchema>(id, await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken));
        }

        return new OpenApiSchemaReference(id, document);
    }

    private static Dictionary<string, IOpenApiHeader> RetryAfter() => new()
    {
        [Microsoft.Net.Http.Headers.HeaderNames.RetryAfter] = new OpenApiHeader
        {
            Description = "Seconds to wait before retrying.",
            Required = true,
            Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "0" },
        },
    };

    /// <summary>Adds problem responses for statuses the operation does not declare yet.</summary>
    private sealed class ProblemResponses(OpenApiResponses responses, IOpenApiSchema problem, IOpenApiSchema validationProblem)
    {
        public void Add(int status, string description, Dictionary<string, IOpenApiHeader>? headers = null) =>
            AddWith(status, description, problem, headers);

        public void AddValidation(string description) => AddWith(StatusCodes.Status400BadRequest, description, validationProblem, null);

        private void AddWith(int status, string description, IOpenApiSchema schema, Dictionary<string, IOpenApiHeader>? headers) =>
            responses.TryAdd(status.ToString(CultureInfo.InvariantCulture), new OpenApiResponse
            {
                Description = description,
                Headers = headers,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = schema } },
            });
    }
}
