using System.Globalization;
using Doorbuster.ServiceDefaults;

namespace Doorbuster.Api.FrontDoor;

/// <summary>
/// The problem documents of the contract. Domain problems get a stable <c>type</c> URI ending in a slug
/// (for example <c>insufficient-stock</c>) that clients can switch on.
/// </summary>
public static class Problems
{
    /// <summary>Seconds a client should wait before retrying a 429 or a 503.</summary>
    public const int RetryAfterSeconds = 1;

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found", type: ProblemTypes.For("not-found"));

    public static ProblemHttpResult UnknownSku(string sku) => NotFound($"There is no product with sku '{sku}'.");

    public static ProblemHttpResult Conflict(string slug, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: title, type: ProblemTypes.For(slug), extensions: extensions);

    public static ProblemHttpResult BadRequest(string slug, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: title, type: ProblemTypes.For(slug));

    public static ProblemHttpResult UnprocessableContent(string slug, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: title, type: ProblemTypes.For(slug));

    public static ProblemHttpResult PayloadTooLarge(long limit) =>
        TypedResults.Problem(
            $"The request body is larger than {limit} bytes.",
            statusCode: StatusCodes.Status413PayloadTooLarge,
            title: "Payload too large",
            type: ProblemTypes.For("payload-too-large"));

    /// <summary>Sets <c>Retry-After</c> on a 429 or 503 answer.</summary>
    public static void SetRetryAfter(HttpResponse response) =>
        response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
}
