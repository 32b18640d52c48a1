using Doorbuster.Api.Diagnostics;
using Doorbuster.Api.FrontDoor;

namespace Doorbuster.Api.Carts;

/// <summary>
/// Every route under <c>/api/carts/{cartId}</c> checks the id before anything else — before the body is
/// read and before any grain call: a malformed id is a 400, an id this server did not issue (made up,
/// altered, signed with another key) a 404, exactly as for a cart that does not exist.
/// </summary>
public static class CartIdGate
{
    /// <summary>Endpoint metadata: the route's <c>cartId</c> must be an id the server issued.</summary>
    public sealed record IssuedCartIdRequired;

    public static TBuilder RequireIssuedCartId<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new IssuedCartIdRequired());

    public static WebApplication UseCartIdGate(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<IssuedCartIdRequired>() is not null
                && context.Request.RouteValues.TryGetValue("cartId", out var value)
                && Refusal(context, value as string) is { } refusal)
            {
                await refusal.ExecuteAsync(context);
                return;
            }

            await next(context);
        });
        return app;
    }

    private static IResult? Refusal(HttpContext context, string? cartId)
    {
        var malformed = new RequestErrors().RequireId("cartId", cartId);
        if (malformed.Any)
        {
            return malformed.ToProblem();
        }

        if (context.RequestServices.GetRequiredService<CartIds>().WasIssued(cartId!))
        {
            return null;
        }

        context.RequestServices.GetRequiredService<ApiMetrics>().CartIdRefused();
        return Problems.NotFound($"There is no cart '{cartId}'.");
    }
}
