using Doorbuster.Api.Hosting;
using Scalar.AspNetCore;

namespace Doorbuster.Api.FrontDoor.OpenApi;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>, kept truthful to <c>docs/http-api.md</c> by transformers
/// that read what the endpoints already declare (their metadata, their request types), and the interactive
/// Scalar reference that renders it on a developer's embedded run.
/// </summary>
public static class ContractOpenApi
{
    public const string DocumentName = "v1";

    /// <summary>Where the Scalar reference is served (embedded mode in the Development environment only).</summary>
    public const string ReferencePath = "/scalar";

    /// <summary>The name of the security scheme of the admin key in the document's components.</summary>
    public const string AdminKeySchemeName = "adminKey";

    public static IServiceCollection AddContractOpenApi(this IServiceCollection services)
    {
        services.AddOptions<OpenApiOptions>()
            .BindConfiguration(OpenApiOptions.SectionName)
            .Validate(o => o.ServerUrl is null || (o.ServerUrl.IsAbsoluteUri && o.ServerUrl.Scheme is "http" or "https"), "OpenApi:ServerUrl must be an absolute http or https address.")
            .ValidateOnStart();
        return services.AddOpenApi(DocumentName, options =>
        {
            options.AddSchemaTransformer<RequiredFieldsSchemaTransformer>();
            options.AddOperationTransformer<ContractResponsesTransformer>();
            options.AddDocumentTransformer<ContractDocumentTransformer>();
        });
    }

    public static WebApplication MapContractOpenApi(this WebApplication app)
    {
        app.MapOpenApi();

        // A browsing aid for whoever runs the system on their own machine; a cluster deployment serves the
        // document alone, so a production front door exposes no extra page.
        if (app.Environment.IsDevelopment() && EmbeddedMode.IsSelected(app.Configuration))
        {
            // The admin key is offered up front for the admin operations; the hosted AI agent is off, since the reference
            // must work on a machine without outside access.
            app.MapScalarApiReference(ReferencePath, options => options
                .WithTitle("Doorbuster API")
                .AddPreferredSecuritySchemes([AdminKeySchemeName])
                .DisableAgent());
        }

        return app;
    }
}
