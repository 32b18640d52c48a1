using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Doorbuster.Api.Carts;

/// <summary>
/// Server-issued cart ids: a format byte, 128 random bits and a 128-bit HMAC-SHA256 tag over both, in base64url
/// (44 characters, within the contract's identifier rules). The id is the capability: whoever holds it owns the
/// cart, and an id the server did not sign (made up, altered, or signed with another key) is refused before
/// anything else happens, in constant time.
/// </summary>
/// <remarks>
/// Ids of the first format (43 characters: the random bits and a tag over them alone) are still accepted: such
/// carts live up to 7 days. The format byte tells a cart grain that its cart cannot be stored in the layout of
/// that time, so a new cart's first activation needs no storage read (<c>Doorbuster.Carts.CartIdLayout</c>; not a
/// cref, because the baseline benchmark shares this file without referencing the grain interfaces).
/// </remarks>
public sealed class CartIds
{
    private const byte CurrentFormat = 1;
    private const int RandomBytes = 16;
    private const int TagBytes = 16;

    /// <summary>The signed part of a current id: the format byte and the random bits.</summary>
    private const int SignedBytes = 1 + RandomBytes;

    /// <summary>The length of an issued id.</summary>
    public static readonly int Length = Base64Url.GetEncodedLength(SignedBytes + TagBytes);

    /// <summary>The length of an id of the first format.</summary>
    private static readonly int FirstFormatLength = Base64Url.GetEncodedLength(RandomBytes + TagBytes);

    /// <summary>
    /// The characters that can end an id of the first format: 32 bytes leave 2 bits of the last character
    /// unused, and they are zero. Checked up front because the decoder throws (rather than returns false) on
    /// any other. (33 bytes fill every character of a current id.)
    /// </summary>
    private const string FirstFormatLastCharacters = "AEIMQUYcgkosw048";

    /// <summary>
    /// The base64url alphabet. The decoder skips white space and throws on any other character outside it, so an id
    /// of the right length with a stray character (43 characters and a newline) is refused before decoding. (The
    /// identifier rules' own set, <c>Doorbuster.Identifiers.Characters</c>, is out of reach for the baseline benchmark.)
    /// </summary>
    private static readonly SearchValues<char> Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

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
        Span<byte> id = stackalloc byte[SignedBytes + TagBytes];
        id[0] = CurrentFormat;
        RandomNumberGenerator.Fill(id[1..SignedBytes]);
        Sign(_key, id[..SignedBytes], id[SignedBytes..]);
        return Base64Url.EncodeToString(id);
    }

    /// <summary>True when this server (with its current key, or its previous one within the overlap) issued <paramref name="cartId"/>.</summary>
    public bool WasIssued(string cartId)
    {
        if (cartId.AsSpan().ContainsAnyExcept(Alphabet))
        {
            return false;
        }

        Span<byte> id = stackalloc byte[SignedBytes + TagBytes];
        int signed;
        if (cartId.Length == Length)
        {
            signed = SignedBytes;
        }
        else if (cartId.Length == FirstFormatLength && FirstFormatLastCharacters.Contains(cartId[^1], StringComparison.Ordinal))
        {
            signed = RandomBytes;
            id = id[..(RandomBytes + TagBytes)];
        }
        else
        {
            return false;
        }

        if (!Base64Url.TryDecodeFromChars(cartId, id, out var written) || written != id.Length || (signed == SignedBytes && id[0] != CurrentFormat))
        {
            return false;
        }

        var accepted = Matches(_key, id, signed);
        if (_previousKey is not null && (_previousUntil is null || _time.GetUtcNow() < _previousUntil))
        {
            accepted |= Matches(_previousKey, id, signed);
        }

        return accepted;
    }

    private static bool Matches(byte[] key, ReadOnlySpan<byte> id, int signed)
    {
        Span<byte> expected = stackalloc byte[TagBytes];
        Sign(key, id[..signed], expected);
        return CryptographicOperations.FixedTimeEquals(expected, id[signed..]);
    }

    private static void Sign(byte[] key, ReadOnlySpan<byte> signed, Span<byte> tag)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, signed, mac);
        mac[..TagBytes].CopyTo(tag);
    }
}
