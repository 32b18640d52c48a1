using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Doorbuster.Client.Problems;

/// <summary>
/// An error answer of the Api: an RFC 9457 problem document. <see cref="Exception.Message"/> is its <c>detail</c>;
/// <see cref="Slug"/> says which problem it is (<c>not-found</c>, <c>empty-cart</c>, ...). Problems with extensions
/// have classes of their own, derived from this one.
/// </summary>
public class DoorbusterProblemException : Exception
{
    /// <summary>The <c>type</c> URIs of the contract begin with this.</summary>
    public const string TypeBase = "https://doorbuster.dev/problems/";

    public DoorbusterProblemException()
    {
    }

    public DoorbusterProblemException(string message)
        : base(message)
    {
    }

    public DoorbusterProblemException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DoorbusterProblemException(HttpStatusCode status, string? type, string? title, string? detail, string? traceId)
        : this(status, type, title, detail, traceId, innerException: null)
    {
    }

    /// <summary>A problem the client concluded itself from <paramref name="innerException"/> (no answer came).</summary>
    protected DoorbusterProblemException(HttpStatusCode status, string? type, string? title, string? detail, string? traceId, Exception? innerException)
        : base(detail ?? title ?? $"The Api answered {(int)status}.", innerException)
    {
        Status = status;
        Type = type;
        Title = title;
        TraceId = traceId;
    }

    public HttpStatusCode Status { get; }

    /// <summary>The problem's <c>type</c> URI.</summary>
    public string? Type { get; }

    /// <summary>The end of <see cref="Type"/> for the contract's problems (<c>insufficient-stock</c>), else <c>null</c>.</summary>
    public string? Slug => Type is not null && Type.StartsWith(TypeBase, StringComparison.Ordinal) ? Type[TypeBase.Length..] : null;

    public string? Title { get; }

    /// <summary>The W3C trace id of the request, to find it in the Api's logs and traces.</summary>
    public string? TraceId { get; }

    /// <summary>Reads an error answer into the exception for its problem.</summary>
    internal static async Task<DoorbusterProblemException> ReadAsync(HttpResponseMessage response, string? idempotencyKey, CancellationToken cancellationToken)
    {
        JsonElement problem = default;
        try
        {
            problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        }
        catch (JsonException)
        {
        }

        string? Text(string name) => problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var (status, type, title, detail, traceId) = (response.StatusCode, Text("type"), Text("title"), Text("detail"), Text("traceId"));
        return (int)status switch
        {
            400 => new ValidationProblemException(status, type, title, detail, traceId, Extension<Dictionary<string, string[]>>(problem, "errors") ?? []),
            409 when type == TypeBase + "insufficient-stock" => new InsufficientStockException(status, type, title, detail, traceId, Extension<Orders.Shortage[]>(problem, "shortages") ?? []),
            409 when type == TypeBase + "lines-unsold" => new LinesUnsoldException(status, type, title, detail, traceId, Extension<string[]>(problem, "unsoldSkus") ?? []),
            429 or 503 => new UnavailableException(status, type, title, detail, traceId, Text("changeApplied"), idempotencyKey),
            _ => new DoorbusterProblemException(status, type, title, detail, traceId),
        };
    }

    private static T? Extension<T>(JsonElement problem, string name) =>
        problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty(name, out var value) ? value.Deserialize<T>(DoorbusterClient.Json) : default;
}
