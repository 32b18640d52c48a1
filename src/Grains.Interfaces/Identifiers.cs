using System.Text.RegularExpressions;

namespace Doorbuster;

/// <summary>
/// The identifier rules of the public contract: 1–64 characters of <c>[A-Za-z0-9_-]</c>.
/// Every grain key that comes from a client has passed this check.
/// </summary>
public static partial class Identifiers
{
    public const int MaxLength = 64;

    /// <summary>True when <paramref name="value"/> is a well-formed sku, cart id, order id or category.</summary>
    public static bool IsValid(string? value) => value is not null && IdPattern().IsMatch(value);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
