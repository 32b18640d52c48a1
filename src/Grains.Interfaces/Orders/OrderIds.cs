using System.Security.Cryptography;
using System.Text;

namespace Doorbuster.Orders;

/// <summary>
/// Order ids are derived, not generated: the same cart and idempotency key always give the same order.
/// </summary>
/// <remarks>
/// An id is <c>o-</c> and 32 hex digits: 4 that depend on the cart alone (its <see cref="CartTag"/>) and 28
/// of SHA-256 over the cart id and the key. The cart's tag is the Redis hash tag under which the cart and
/// every order placed from it are stored, so that a checkout writes both in one script, also on Redis
/// Cluster; an order grain finds its key from its id alone. Four hex digits spread carts over every slot
/// of a Redis Cluster (16,384) and say nothing about which cart an order came from (thousands of carts
/// share a tag); 112 bits keep ids unguessable and distinct.
/// </remarks>
public static class OrderIds
{
    public const int MaxIdempotencyKeyLength = 64;

    /// <summary>How many hex digits of an order id (after <c>o-</c>) are its cart's tag.</summary>
    public const int TagLength = 4;

    /// <summary>The order that checkout of <paramref name="cartId"/> under <paramref name="idempotencyKey"/> places.</summary>
    public static string For(string cartId, string idempotencyKey)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{cartId}\n{idempotencyKey}"));
        return "o-" + CartTag(cartId) + Convert.ToHexString(hash, 0, 14).ToLowerInvariant();
    }

    /// <summary>
    /// The id the same checkout had before ids carried their cart's tag (32 hex digits of the hash): a cart
    /// remembers orders it placed under such ids, so that a retry of one is still answered with it.
    /// </summary>
    public static string EarlierFormFor(string cartId, string idempotencyKey)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{cartId}\n{idempotencyKey}"));
        return "o-" + Convert.ToHexString(hash, 0, 16).ToLowerInvariant();
    }

    /// <summary>The Redis hash tag of a cart and of the orders placed from it.</summary>
    public static string CartTag(string cartId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"cart-tag\n{cartId}"));
        return Convert.ToHexString(hash, 0, TagLength / 2).ToLowerInvariant();
    }

    /// <summary>The tag an order id carries: the one of the cart it was placed from (for ids of the earlier form, a tag of its own).</summary>
    public static string TagOf(string orderId) =>
        orderId.Length >= 2 + TagLength && orderId.StartsWith("o-", StringComparison.Ordinal)
            ? orderId.Substring(2, TagLength)
            : orderId;

    /// <summary>1-64 visible ASCII characters.</summary>
    public static bool IsValidIdempotencyKey(string? key) =>
        key is { Length: >= 1 and <= MaxIdempotencyKeyLength } && key.All(c => c is >= '!' and <= '~');
}
