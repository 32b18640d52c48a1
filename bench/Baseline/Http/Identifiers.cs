using System.Text.RegularExpressions;

namespace Doorbuster.Baseline.Http;

/// <summary>The identifier rules of the contract (skus, cart ids, order ids, categories): 1-64 of <c>[A-Za-z0-9_-]</c>.</summary>
public static partial class Identifiers
{
    public const string Rule = "must be 1-64 characters of A-Z, a-z, 0-9, '_' and '-'.";

    public static bool IsValid(string? value) => value is not null && IdPattern().IsMatch(value);

    /// <summary>An <c>Idempotency-Key</c>: 1-64 visible ASCII characters.</summary>
    public static bool IsValidIdempotencyKey(string? key) =>
        key is { Length: >= 1 and <= 64 } && key.All(c => c is >= '!' and <= '~');

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
