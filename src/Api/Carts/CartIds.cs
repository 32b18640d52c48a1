using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Doorbuster.Api.Carts;

/// <summary>
/// Server-issued cart ids: 128 random bits and a 128-bit HMAC-SHA256 tag over them, in base64url (43
/// characters, within the contract's identifier rules). The id is the capability: whoever holds it owns the
/// cart, and an id the server did not sign (made up, altered, or signed with another key) is refused before
/// anything else happens, in constant time.
/// </summary>
public sealed class CartIds
{
    private const int RandomBytes = 16;
    private const int TagBytes = 16;

    /// <summary>The length of an issued id.</summary>
    public static readonly int Length = Base64Url.GetEncodedLength(RandomBytes + TagBytes);

    /// <summary>
    /// The characters that can end an id: 32 bytes leave 2 bits of the last character unused, and they are
    /// zero. Checked up front because the decoder throws (rather than returns false) on any other.
    /// </summary>
    private const string LastCharacters = "AEIMQUYcgkosw048";

    private readonly byte[] _key;
    private readonly byte[]? _previousKey;
    private readonly DateTimeOffset? _previousUntil;
    private readonly TimeProvider _time;

    public CartIds(IOptions<CartsOptions> options, TimeProvider time)
    {
        var carts = options.Value;
        _key = CartsOptions.KeyBytes(carts.SigningKey)
            ?? throw new InvalidOperationException($"Carts:SigningKey must be base64 of at least {CartsOptions.MinimumKeyBytes} bytes.");
        _previousKey = CartsOptions.KeyBytes(carts.PreviousSigningKey);
        _previousUntil = carts.PreviousKeyAcceptedUntil;
        _time = time;
    }

    public string Issue()
    {
        Span<byte> id = stackalloc byte[RandomBytes + TagBytes];
        RandomNumberGenerator.Fill(id[..RandomBytes]);
        Sign(_key, id[..RandomBytes], id[RandomBytes..]);
        return Base64Url.EncodeToString(id);
    }

    /// <summary>True when this server (with its current key, or its previous one within the overlap) issued <paramref name="cartId"/>.</summary>
    public bool WasIssued(string cartId)
    {
        Span<byte> id = stackalloc byte[RandomBytes + TagBytes];
        if (cartId.Length != Length
            || !LastCharacters.Contains(cartId[^1], StringComparison.Ordinal)
            || !Base64Url.TryDecodeFromChars(cartId, id, out var written)
            || written != id.Length)
        {
            return false;
        }

        var accepted = Matches(_key, id);
        if (_previousKey is not null && (_previousUntil is null || _time.GetUtcNow() < _previousUntil))
        {
            accepted |= Matches(_previousKey, id);
        }

        return accepted;
    }

    private static bool Matches(byte[] key, ReadOnlySpan<byte> id)
    {
        Span<byte> expected = stackalloc byte[TagBytes];
        Sign(key, id[..RandomBytes], expected);
        return CryptographicOperations.FixedTimeEquals(expected, id[RandomBytes..]);
    }

    private static void Sign(byte[] key, ReadOnlySpan<byte> random, Span<byte> tag)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, random, mac);
        mac[..TagBytes].CopyTo(tag);
    }
}
