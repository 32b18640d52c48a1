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
/// <c>no</c> or <c>unknown</c> for a write; for a checkout, <see cref="IdempotencyKey"/> is the key it used — check
/// out again later with it and get the same order, never a second one.
/// </summary>
public sealed class UnavailableException(HttpStatusCode status, string? type, string? title, string? detail, string? traceId, string? changeApplied, string? idempotencyKey)
    : DoorbusterProblemException(status, type, title, detail, traceId)
{
    public string? ChangeApplied { get; } = changeApplied;

    public string? IdempotencyKey { get; } = idempotencyKey;
}
