using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Doorbuster.Sales;

/// <summary>
/// A sale's tickets: the place a join got, six random bytes and a 120-bit HMAC-SHA256 tag over both and the
/// sale id, in base64url (40 characters, within the contract's identifier rules). The key is the sale's own,
/// drawn when it is first defined and kept in Redis, so the Api reads a ticket's place without any call, a
/// ticket of one sale is worthless in another (or in a sale defined again under the same id), and a ticket
/// nobody issued is refused in constant time.
/// </summary>
public static class SaleTickets
{
    public const int KeyBytes = 32;
    private const int PlaceBytes = 8;
    private const int RandomBytes = 6;
    private const int TagBytes = 15;
    private const int TotalBytes = PlaceBytes + RandomBytes + TagBytes + 1;

    /// <summary>The length of every ticket.</summary>
    public static readonly int Length = Base64Url.GetEncodedLength(TotalBytes);

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeyBytes);

    /// <summary>A ticket for <paramref name="place"/> (see <see cref="JoinResult"/>) of sale <paramref name="saleId"/>.</summary>
    public static string Issue(byte[] key, string saleId, long place)
    {
        Span<byte> ticket = stackalloc byte[TotalBytes];
        ticket[0] = 1; // the format's version
        BinaryPrimitives.WriteInt64BigEndian(ticket.Slice(1, PlaceBytes), place);
        RandomNumberGenerator.Fill(ticket.Slice(1 + PlaceBytes, RandomBytes));
        Sign(key, saleId, ticket[..^TagBytes], ticket[^TagBytes..]);
        return Base64Url.EncodeToString(ticket);
    }

    /// <summary>True when <paramref name="ticket"/> was issued for sale <paramref name="saleId"/> with <paramref name="key"/>; then <paramref name="place"/> is its place.</summary>
    public static bool TryRead(byte[] key, string saleId, string? ticket, out long place)
    {
        place = 0;
        Span<byte> bytes = stackalloc byte[TotalBytes];
        if (ticket is null
            || ticket.Length != Length

            // The decoder skips white space and throws (rather than answers false) on any other character outside
            // its alphabet, so a ticket of the right length with a stray character must be refused before it.
            || ticket.AsSpan().ContainsAnyExcept(Identifiers.Characters)
            || !Base64Url.TryDecodeFromChars(ticket, bytes, out var written)
            || written != TotalBytes
            || bytes[0] != 1)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[TagBytes];
        Sign(key, saleId, bytes[..^TagBytes], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes[^TagBytes..]))
        {
            return false;
        }

        place = BinaryPrimitives.ReadInt64BigEndian(bytes.Slice(1, PlaceBytes));
        return place != 0;
    }

    /// <summary>
    /// The queue position of a place: after the start, the pre-queue takes positions 1 to its size in the order
    /// drawn at the start, and everyone who joined later follows in arrival order. <c>null</c> before the draw.
    /// The draw orders the first <see cref="PrequeueOrder.MaxCount"/> places; a pre-queue longer than that keeps
    /// the rest in arrival order behind them.
    /// </summary>
    public static long? PositionOf(long place, PrequeueDraw? draw) =>
        draw is null ? null
        : place > 0 ? draw.Count + place
        : -place > draw.Count ? null
        : -place > PrequeueOrder.MaxCount ? -place
        : 1 + PrequeueOrder.Of(draw)[(int)(-place - 1)];

    private static void Sign(byte[] key, string saleId, ReadOnlySpan<byte> payload, Span<byte> tag)
    {
        var saleBytes = Encoding.UTF8.GetByteCount(saleId);
        Span<byte> message = stackalloc byte[saleBytes + 1 + payload.Length];
        Encoding.UTF8.GetBytes(saleId, message);
        message[saleBytes] = 0;
        payload.CopyTo(message[(saleBytes + 1)..]);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, message, mac);
        mac[..TagBytes].CopyTo(tag);
    }
}

/// <summary>
/// The random order of a pre-queue: a Fisher–Yates shuffle driven by SplitMix64 from the seed drawn at the
/// start, so every silo and Api computes the same order from the same <see cref="PrequeueDraw"/> and nobody
/// gains by joining a millisecond before the others. The last few orders are kept (a sale's Apis ask often).
/// </summary>
public static class PrequeueOrder
{
    /// <summary>The most pre-queue places the draw orders: the order is computed in memory (4 bytes a place).</summary>
    public const int MaxCount = 10_000_000;

    private static readonly Dictionary<PrequeueDraw, Lazy<int[]>> Recent = [];

    /// <summary>
    /// For each of the first <see cref="MaxCount"/> pre-queue places k (0-based), its 0-based rank among them.
    /// Computed once per draw however many callers ask at once: at a sale's start every poll asks.
    /// </summary>
    public static int[] Of(PrequeueDraw draw)
    {
        Lazy<int[]>? order;
        lock (Recent)
        {
            if (!Recent.TryGetValue(draw, out order))
            {
                if (Recent.Count >= 8)
                {
                    Recent.Clear();
                }

                order = new(() => Shuffle(draw.Seed, (int)Math.Min(draw.Count, MaxCount)));
                Recent[draw] = order;
            }
        }

        return order.Value;
    }

    private static int[] Shuffle(ulong seed, int count)
    {
        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }

        var state = seed;
        for (var i = count - 1; i > 0; i--)
        {
            // A 64-bit draw modulo at most 10^7: the bias is below 10^-12, far under anything measurable.
            var j = (int)(SplitMix64(ref state) % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
