using System.Text.RegularExpressions;

namespace Doorbuster;

/// <summary>
/// The identifier rules of the public contract: 1–64 characters of <c>[A-Za-z0-9_-]</c>.
/// Every grain key that comes from a client has passed this check.
/// </summary>
public static partial class Identifiers
{
    public const int MaxLength = 64;

    /// <summary>The rule as a regular expression (also used by options validation attributes).</summary>
    public const string Pattern = "^[A-Za-z0-9_-]{1,64}$";

    /// <summary>The rule in words, for error messages.</summary>
    public const string Rule = "1-64 characters of A-Z, a-z, 0-9, '_' and '-'";

    /// <summary>True when <paramref name="value"/> is a well-formed sku, cart id, order id or category.</summary>
    public static bool IsValid(string? value) => value is not null && IdPattern().IsMatch(value);

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
