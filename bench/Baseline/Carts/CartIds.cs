using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Doorbuster.Baseline.Carts;

/// <summary>
/// Cart ids are issued, never chosen: 16 random bytes followed by the first 16 bytes of their
/// HMAC-SHA256 under the signing key, base64url without padding (43 characters of <c>[A-Za-z0-9_-]</c>).
/// The id is the capability; verifying it needs no storage, so a forged id costs no Redis call.
/// </summary>
public sealed class CartIds
{
    private const int RandomBytes = 16;
    private const int TagBytes = 16;
    private const int IdBytes = RandomBytes + TagBytes;

    /// <summary>The length of every issued id.</summary>
    public static readonly int IdLength = Base64Url.GetEncodedLength(IdBytes);

    private readonly byte[][] _keys;

    public CartIds(IOptions<CartOptions> options, ILogger<CartIds> logger)
    {
        var current = options.Value.SigningKey;
        if (string.IsNullOrEmpty(current))
        {
            current = Convert.ToBase64String(RandomNumberGenerator.GetBytes(CartOptions.MinKeyBytes));
            logger.LogWarning(
                "Carts:SigningKey is not set: generated a random one. Cart ids issued by this process are valid only until it stops, and only here.");
        }

        var previous = options.Value.PreviousSigningKey;
        _keys = string.IsNullOrEmpty(previous)
            ? [Convert.FromBase64String(current)]
            : [Convert.FromBase64String(current), Convert.FromBase64String(previous)];
    }

    /// <summary>A new cart id, signed with the current key.</summary>
    public string NewId()
    {
        Span<byte> id = stackalloc byte[IdBytes];
        RandomNumberGenerator.Fill(id[..RandomBytes]);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_keys[0], id[..RandomBytes], mac);
        mac[..TagBytes].CopyTo(id[RandomBytes..]);
        return Base64Url.EncodeToString(id);
    }

    /// <summary>True when this server (with the current or the previous key) issued <paramref name="cartId"/>; the tag is compared in constant time.</summary>
    public bool IsIssued(string cartId)
    {
        if (cartId.Length != IdLength)
        {
            return false;
        }

        Span<byte> id = stackalloc byte[IdBytes];
        if (!TryDecode(cartId, id))
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var issued = false;
        foreach (var key in _keys)
        {
            HMACSHA256.HashData(key, id[..RandomBytes], mac);
            issued |= CryptographicOperations.FixedTimeEquals(mac[..TagBytes], id[RandomBytes..]);
        }

        return issued;
    }

    private static bool TryDecode(string cartId, Span<byte> id)
    {
        try
        {
            return Base64Url.TryDecodeFromChars(cartId, id, out var written) && written == IdBytes;
        }
        catch (FormatException)
        {
            // The decoder throws, despite its name, when the unused low bits of the last character are not
            // zero: such a spelling was never issued (and would otherwise alias an issued id).
            return false;
        }
    }
}
