using System.Buffers;

namespace Doorbuster;

/// <summary>
/// The identifier rules of the public contract: 1–64 characters of <c>[A-Za-z0-9_-]</c>.
/// Every grain key that comes from a client has passed this check.
/// </summary>
public static class Identifiers
{
    public const int MaxLength = 64;

    /// <summary>
    /// The rule as a regular expression, for the OpenAPI document and validation attributes (both match the whole
    /// value). Not what <see cref="IsValid"/> runs: in a .NET regular expression <c>$</c> also matches before a final
    /// newline, so <c>"abc\n"</c> would pass as an identifier.
    /// </summary>
    public const string Pattern = "^[A-Za-z0-9_-]{1,64}$";

    /// <summary>The rule in words, for error messages.</summary>
    public const string Rule = "1-64 characters of A-Z, a-z, 0-9, '_' and '-'";

    /// <summary>The characters of an identifier; also the base64url alphabet, in which tickets and cart ids are written.</summary>
    public static readonly SearchValues<char> Characters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    /// <summary>True when <paramref name="value"/> is a well-formed sku, cart id, order id, sale id or category.</summary>
    public static bool IsValid(string? value) =>
        value is { Length: >= 1 and <= MaxLength } && !value.AsSpan().ContainsAnyExcept(Characters);
}
