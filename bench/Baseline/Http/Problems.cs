namespace Doorbuster.Baseline.Http;

/// <summary>The problem documents of the contract; domain problems have a <c>type</c> ending in a stable slug.</summary>
public static class Problems
{
    public const string TypeBase = "https://doorbuster.dev/problems/";

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found", type: TypeBase + "not-found");

    public static ProblemHttpResult UnknownSku(string sku) => NotFound($"There is no product with sku '{sku}'.");

    public static ProblemHttpResult UnknownCart(string cartId) => NotFound($"There is no cart '{cartId}'.");

    public static ProblemHttpResult UnknownOrder(string orderId) => NotFound($"There is no order '{orderId}'.");

    public static ProblemHttpResult Conflict(string slug, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: title, type: TypeBase + slug, extensions: extensions);

    public static ProblemHttpResult BadRequest(string slug, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: title, type: TypeBase + slug);

    public static ProblemHttpResult Unauthorized(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", type: TypeBase + "unauthorized");

    public static ProblemHttpResult PayloadTooLarge(long limit) =>
        TypedResults.Problem(
            $"The request body is larger than {limit} bytes.",
            statusCode: StatusCodes.Status413PayloadTooLarge,
            title: "Payload too large",
            type: TypeBase + "payload-too-large");
}
