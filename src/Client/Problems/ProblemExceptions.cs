using System.Net;

namespace Doorbuster.Client.Problems;

/// <summary>A request the contract refuses (400): <see cref="Errors"/> says which field or header, and why.</summary>
public sealed class ValidationProblemException(HttpStatusCode status, string? type, string? title, string? detail, string? traceId, IReadOnlyDictionary<string, string[]> errors)
    : DoorbusterProblemException(status, type, title, detail, traceId)
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}

/// <summary>A checkout refused because not every line could be reserved (409 <c>insufficient-stock</c>); nothing was reserved.</summary>
public sealed class InsufficientStockException(HttpStatusCode status, string? type, string? title, string? detail, string? traceId, IReadOnlyList<Orders.Shortage> shortages)
    : DoorbusterProblemException(status, type, title, detail, traceId)
{
    public IReadOnlyList<Orders.Shortage> Shortages { get; } = shortages;
}

/// <summary>A payment that could not sell every line (409 <c>lines-unsold</c>); the shop has been alerted.</summary>
public sealed class LinesUnsoldException(HttpStatusCode status, string? type, string? title, string? detail, string? traceId, IReadOnlyList<string> unsoldSkus)
    : DoorbusterProblemException(status, type, title, detail, traceId)
{
    public IReadOnlyList<string> UnsoldSkus { get; } = unsoldSkus;
}

/// <summary>
/// Shed (429) or unavailable (503) after every retry the client was allowed. <see cref="ChangeApplied"/> is
/// <c>no</c> or <c>unknown</c> for a write; for a checkout or a restock, <see cref="IdempotencyKey"/> is the key it
/// used — send it again later with it and get the same order (or the same restock), never a second one. A checkout
/// or restock that got no answer at all (the connection failed, or every attempt timed out) ends here too, as a 503
/// whose change may have been applied, with what failed as <see cref="Exception.InnerException"/>: the key is what
/// its caller needs most then.
/// </summary>
public sealed class UnavailableException : DoorbusterProblemException
{
    public UnavailableException(HttpStatusCode status, string? type, string? title, string? detail, string? traceId, string? changeApplied, string? idempotencyKey)
        : base(status, type, title, detail, traceId)
    {
        ChangeApplied = changeApplied;
        IdempotencyKey = idempotencyKey;
    }

    private UnavailableException(string idempotencyKey, Exception noAnswer)
        : base(HttpStatusCode.ServiceUnavailable, type: null, "No answer", $"No answer came from the Api: {noAnswer.Message} The change may have been applied; send it again with the same Idempotency-Key.", traceId: null, noAnswer)
    {
        ChangeApplied = "unknown";
        IdempotencyKey = idempotencyKey;
    }

    public string? ChangeApplied { get; }

    public string? IdempotencyKey { get; }

    /// <summary>A write under <paramref name="idempotencyKey"/> that got no answer, for <paramref name="noAnswer"/>.</summary>
    internal static UnavailableException NoAnswer(string idempotencyKey, Exception noAnswer) => new(idempotencyKey, noAnswer);
}
