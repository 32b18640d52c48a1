namespace Doorbuster.Baseline.Carts;

/// <summary>Cart settings (configuration section <c>Carts</c>, e.g. <c>Carts__SigningKey</c>).</summary>
public sealed class CartOptions
{
    public const string SectionName = "Carts";

    public const int MinKeyBytes = 32;

    /// <summary>Base64 key (at least 32 bytes) that signs cart ids; when absent, one is generated at start.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The key before <see cref="SigningKey"/> during a rotation: ids it signed stay valid.</summary>
    public string? PreviousSigningKey { get; set; }

    /// <summary>True when <paramref name="key"/> is absent or base64 of at least <see cref="MinKeyBytes"/> bytes.</summary>
    public static bool IsAbsentOrValid(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return true;
        }

        var buffer = new byte[key.Length];
        return Convert.TryFromBase64String(key, buffer, out var length) && length >= MinKeyBytes;
    }
}
