using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Doorbuster.Baseline.Http;

/// <summary>
/// The cross-cutting HTTP policy, the same as the contract asks of the Doorbuster Api: problem documents for
/// every error, strict JSON, a 64 KiB body limit, the admin key and identifier validation.
/// </summary>
public static class HttpPolicy
{
    public const long MaxRequestBodyBytes = 64 * 1024;

    private static readonly string[] RouteIds = ["sku", "cartId", "orderId"];

    public static WebApplicationBuilder AddHttpPolicy(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Detail ??= DefaultDetail(context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode));
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(options =>
        {
            // "5" is not a number: a field of the wrong type is a 400.
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        builder.Services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.SectionName);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        return builder;
    }

    public static WebApplication UseHttpPolicy(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(RejectOversizedBodies);
        return app;
    }

    /// <summary>The admin policy: the <c>X-Api-Key</c> header must carry the admin key, else 401.</summary>
    public static TBuilder RequireAdminKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var admin = context.HttpContext.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value;
            return admin.Accepts(context.HttpContext.Request.Headers[AdminOptions.HeaderName])
                ? await next(context)
                : Problems.Unauthorized($"This route requires the {AdminOptions.HeaderName} header with the admin key.");
        });

    /// <summary>Route values named like identifiers must be identifiers: a malformed one is a 400 and never reaches Redis.</summary>
    public static TBuilder ValidateRouteIds<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var errors = new RequestErrors();
            var routeValues = context.HttpContext.Request.RouteValues;
            foreach (var name in RouteIds)
            {
                if (routeValues.TryGetValue(name, out var value))
                {
                    errors.RequireId(name, value as string);
                }
            }

            return errors.Any ? errors.ToProblem() : await next(context);
        });

    /// <summary>The detail of problems that the framework writes without one (status code pages).</summary>
    private static string DefaultDetail(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request is invalid.",
        StatusCodes.Status404NotFound => "Nothing is served at this path.",
        StatusCodes.Status405MethodNotAllowed => "This path does not accept this method.",
        StatusCodes.Status415UnsupportedMediaType => "The request body must be JSON (Content-Type: application/json).",
        _ => ReasonPhrases.GetReasonPhrase(status),
    };

    private static Task RejectOversizedBodies(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentLength > MaxRequestBodyBytes)
        {
            return Problems.PayloadTooLarge(MaxRequestBodyBytes).ExecuteAsync(context);
        }

        // A chunked body has no length up front: the server stops reading it at the limit instead.
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = MaxRequestBodyBytes;
        }

        return next(context);
    }
}
