using System.Security.Cryptography;
using System.Text;

namespace Doorbuster.Baseline.Orders;

/// <summary>Order ids are derived, not generated: the same cart and idempotency key always give the same order.</summary>
public static class OrderIds
{
    /// <summary>"o-" and 32 hex digits of SHA-256 over the cart id, a newline and the key.</summary>
    public static string For(string cartId, string idempotencyKey)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{cartId}\n{idempotencyKey}"), hash);
        return "o-" + Convert.ToHexStringLower(hash[..16]);
    }
}
