using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Doorbuster.ServiceDefaults.Admin;

/// <summary>
/// The one gate in front of everything that needs the admin key: the admin routes of the Api and the Orleans
/// Dashboard of a silo. A request without the key gets a 401 problem, before its body is read: an anonymous
/// request is refused as such whatever it carries, and its body is never parsed.
/// </summary>
public static class AdminKeyGate
{
    /// <summary>Endpoint metadata that marks an operation as admin-only (the OpenAPI document declares its security).</summary>
    public sealed record AdminKeyRequired;

    /// <summary>
    /// Requires the admin key on every endpoint of <paramref name="builder"/>: <see cref="UseAdminKeyGate"/> checks it
    /// before the endpoint binds its parameters (an endpoint filter would run after binding, so a malformed body would
    /// be answered 400 before the missing key).
    /// </summary>
    public static TBuilder RequireAdminKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new AdminKeyRequired());

    /// <summary>Refuses, after routing and before the endpoint runs, every request to an endpoint marked <see cref="RequireAdminKey"/> that lacks the key.</summary>
    public static IApplicationBuilder UseAdminKeyGate(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<AdminKeyRequired>() is not null && Refusal(context) is { } refusal)
            {
                await refusal.ExecuteAsync(context);
                return;
            }

            await next(context);
        });

    /// <summary>Requires the admin key on every request whose path starts with <paramref name="path"/>.</summary>
    public static IApplicationBuilder UseAdminKeyFor(this IApplicationBuilder app, PathString path) =>
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments(path),
            branch => branch.Use(async (context, next) =>
            {
                if (Refusal(context) is { } refusal)
                {
                    await refusal.ExecuteAsync(context);
                    return;
                }

                await next(context);
            }));

    /// <summary>The 401 problem for a request without the admin key; <c>null</c> when it carries the key.</summary>
    private static IResult? Refusal(HttpContext context)
    {
        var admin = context.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value;
        return admin.Accepts(context.Request.Headers[AdminOptions.HeaderName])
            ? null
            : Results.Problem(
                detail: $"This route requires the {AdminOptions.HeaderName} header with the admin key.",
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Unauthorized",
                type: ProblemTypes.For("unauthorized"));
    }
}
