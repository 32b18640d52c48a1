using System.Security.Cryptography;
using System.Text;

namespace Doorbuster.Orders;

/// <summary>Order ids are derived, not generated: the same cart and idempotency key always give the same order.</summary>
public static class OrderIds
{
    public const int MaxIdempotencyKeyLength = 64;

    /// <summary>"o-" and 32 hex digits of SHA-256 over the cart id and the key: a valid identifier of the contract.</summary>
    public static string For(string cartId, string idempotencyKey)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{cartId}\n{idempotencyKey}"));
        return "o-" + Convert.ToHexString(hash, 0, 16).ToLowerInvariant();
    }

    /// <summary>1-64 visible ASCII characters.</summary>
    public static bool IsValidIdempotencyKey(string? key) =>
        key is { Length: >= 1 and <= MaxIdempotencyKeyLength } && key.All(c => c is >= '!' and <= '~');
}
