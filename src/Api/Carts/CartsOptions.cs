namespace Doorbuster.Api.Carts;

/// <summary>
/// The keys that sign cart ids (configuration section <c>Carts</c>: <c>Carts__SigningKey</c>,
/// <c>Carts__PreviousSigningKey</c>, <c>Carts__PreviousKeyAcceptedUntil</c>). Every Api instance must have
/// the same keys. A rotation takes two rollouts (docs/http-api.md): first the new key as
/// <see cref="PreviousSigningKey"/> beside the old <see cref="SigningKey"/>, so every instance accepts it before any
/// signs with it; then the two swapped, the old key accepted until <see cref="PreviousKeyAcceptedUntil"/> (a cart
/// lives up to 7 days untouched, so a week of overlap keeps every live cart).
/// </summary>
public sealed class CartsOptions
{
    public const string SectionName = "Carts";

    /// <summary>The minimum key size, in bytes (HMAC-SHA256 wants at least its output size).</summary>
    public const int MinimumKeyBytes = 32;

    /// <summary>Base64 of at least 32 random bytes; signs every new cart id.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The key before the current one, still accepted (never used to sign) during a rotation.</summary>
    public string? PreviousSigningKey { get; set; }

    /// <summary>The end of the rotation overlap; unset: the previous key is accepted while it is configured.</summary>
    public DateTimeOffset? PreviousKeyAcceptedUntil { get; set; }

    /// <summary>The bytes of a base64 key of at least <see cref="MinimumKeyBytes"/> bytes, or <c>null</c>.</summary>
    public static byte[]? KeyBytes(string? key)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return null;
        }

        var buffer = new byte[key.Length];
        return Convert.TryFromBase64String(key.Trim(), buffer, out var written) && written >= MinimumKeyBytes ? buffer[..written] : null;
    }
}
