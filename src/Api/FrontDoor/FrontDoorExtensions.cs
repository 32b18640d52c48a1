using System.Text;
using System.Text.Json.Serialization;
using Doorbuster.Api.Carts;
using Doorbuster.Api.Diagnostics;
using Doorbuster.Api.FrontDoor.OpenApi;
using Doorbuster.ServiceDefaults.Admin;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Net.Http.Headers;

namespace Doorbuster.Api.FrontDoor;

public static class FrontDoorExtensions
{
    /// <summary>The largest request body the Api reads (64 KiB); larger ones are answered 413.</summary>
    public const long MaxRequestBodyBytes = 64 * 1024;

    /// <summary>
    /// The cross-cutting policy of the front door: problem documents for every error, strict JSON,
    /// the body size limit, admission control and the OpenAPI document.
    /// </summary>
    public static WebApplicationBuilder AddFrontDoor(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<ApiMetrics>();
        // The framework's own refusals (status code pages: 404 route, 405, 415) come without a detail; the contract wants one on every error.
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            if (status == StatusCodes.Status413PayloadTooLarge)
            {
                // A chunked body has no length to refuse up front (RejectOversizedBodies); the server stops reading
                // it at the limit and the endpoint answers 413 without a body: the same problem as the early refusal.
                var tooLarge = Problems.PayloadTooLarge(MaxRequestBodyBytes).ProblemDetails;
                (context.ProblemDetails.Type, context.ProblemDetails.Title, context.ProblemDetails.Detail) = (tooLarge.Type, tooLarge.Title, tooLarge.Detail);
            }

            context.ProblemDetails.Detail ??= DefaultDetail(status);
        });
        builder.Services.AddSingleton<IProblemDetailsWriter, ProblemsWhateverTheClientAccepts>();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(options =>
        {
            // "5" is not a number: a field of the wrong type is a 400, as the contract says.
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        builder.Services.AddContractOpenApi();
        builder.AddAdmissionControl();
        builder.AddClusterBoundary();
        return builder;
    }

    public static WebApplication UseFrontDoor(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(RejectOversizedBodies);
        app.Use(RequireReadableCharset);
        app.UseAdmissionControl();
        app.UseCartIdGate();
        app.UseAdminKeyGate();
        app.UseRequestTimeouts();
        app.MapContractOpenApi();
        return app;
    }

    /// <summary>Endpoint metadata: the route's identifiers are checked, a malformed one is a 400 (the OpenAPI document says so).</summary>
    public sealed record RouteIdsValidated;

    /// <summary>Route values named like identifiers must be identifiers: a malformed one never reaches a grain.</summary>
    public static TBuilder ValidateRouteIds<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RouteIdsValidated()).AddEndpointFilter(async (context, next) =>
        {
            var errors = new RequestErrors();
            foreach (var name in (string[])["sku", "cartId", "orderId", "saleId"])
            {
                if (context.HttpContext.Request.RouteValues.TryGetValue(name, out var value))
                {
                    errors.RequireId(name, value as string);
                }
            }

            return errors.Any ? errors.ToProblem() : await next(context);
        });

    private static string DefaultDetail(int status) => status switch
    {
        StatusCodes.Status404NotFound => "There is no such route.",
        StatusCodes.Status405MethodNotAllowed => "The route does not accept this method.",
        StatusCodes.Status415UnsupportedMediaType => "The body must be JSON, sent with Content-Type: application/json.",
        _ => $"The request failed with status {status} ({ReasonPhrases.GetReasonPhrase(status)}).",
    };

    /// <summary>
    /// A body in a charset the server cannot decode is a 415; ASP.NET Core would let the failure to decode it escape
    /// as an exception, a 500. A quoted charset (<c>charset="utf-8"</c>, which HTTP allows) is passed on unquoted:
    /// ASP.NET Core's JSON reader takes the quotes for part of the name.
    /// </summary>
    private static Task RequireReadableCharset(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentType is { } contentType
            && contentType.Contains("charset", StringComparison.OrdinalIgnoreCase)
            && MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            && mediaType.Charset is { Length: > 0 } charset)
        {
            var name = HeaderUtilities.RemoveQuotes(charset);
            if (!IsKnownCharset(name.Value!))
            {
                return TypedResults.Problem(
                    $"The body's charset '{name}' is not one the server can read; send UTF-8 JSON.",
                    statusCode: StatusCodes.Status415UnsupportedMediaType).ExecuteAsync(context);
            }

            if (name.Length != charset.Length)
            {
                mediaType.Charset = name;
                context.Request.ContentType = mediaType.ToString();
            }
        }

        return next(context);
    }

    private static bool IsKnownCharset(string name)
    {
        if (name.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        try
        {
            Encoding.GetEncoding(name);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static Task RejectOversizedBodies(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentLength > MaxRequestBodyBytes)
        {
            return Problems.PayloadTooLarge(MaxRequestBodyBytes).ExecuteAsync(context);
        }

        // Chunked bodies have no length up front: the server stops reading them at the limit instead.
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = MaxRequestBodyBytes;
        }

        return next(context);
    }
}
