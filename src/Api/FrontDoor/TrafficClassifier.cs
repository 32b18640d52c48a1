using Doorbuster.ServiceDefaults.Admin;
using Microsoft.Extensions.Options;

namespace Doorbuster.Api.FrontDoor;

/// <summary>
/// Sorts a request into its <see cref="TrafficClass"/> from its method and path alone, before any body is
/// read. Operations routes (<c>/health</c>, <c>/metrics</c>, <c>/openapi</c>: everything outside <c>/api</c>)
/// have no class and are never shed.
/// </summary>
public static class TrafficClassifier
{
    public static TrafficClass? Classify(HttpContext context)
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase, out var rest))
        {
            return null;
        }

        // Routing ignores case and a trailing slash, so the classes do too: "/API/Orders/x/PAY/" is a payment.
        var path = rest.Value.AsSpan().Trim('/');
        Span<Range> segments = stackalloc Range[4];
        var count = path.Split(segments, '/');
        var area = path[segments[0]];
        var action = count == 3 ? path[segments[2]] : [];
        var isPost = HttpMethods.IsPost(request.Method);

        if (Is(area, "carts"))
        {
            return isPost && Is(action, "checkout") ? TrafficClass.Checkout : TrafficClass.Cart;
        }

        if (Is(area, "orders") && isPost && (Is(action, "pay") || Is(action, "cancel")))
        {
            return TrafficClass.Pay;
        }

        // An admin write ranks high only with the key: without it the request is worth no more than a read
        // (and answers 401), so a missing key cannot jump the queue.
        var isAdminWrite = (Is(area, "products") && count == 2 && HttpMethods.IsPut(request.Method))
            || (Is(area, "inventory") && isPost && Is(action, "restock"))
            || (Is(area, "sales") && count == 2 && (HttpMethods.IsPut(request.Method) || HttpMethods.IsDelete(request.Method)));
        return isAdminWrite && CarriesAdminKey(context) ? TrafficClass.Admin : TrafficClass.Browse;
    }

    /// <summary>The class as the <c>class</c> label of the admission metrics.</summary>
    public static string Label(TrafficClass trafficClass) => trafficClass switch
    {
        TrafficClass.Browse => "browse",
        TrafficClass.Cart => "cart",
        TrafficClass.Admin => "admin",
        TrafficClass.Checkout => "checkout",
        TrafficClass.Pay => "pay",
        _ => throw new ArgumentOutOfRangeException(nameof(trafficClass), trafficClass, null),
    };

    private static bool Is(ReadOnlySpan<char> segment, string name) => segment.Equals(name, StringComparison.OrdinalIgnoreCase);

    private static bool CarriesAdminKey(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value.Accepts(context.Request.Headers[AdminOptions.HeaderName]);
}
