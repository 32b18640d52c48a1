namespace Doorbuster.Carts;

/// <summary>
/// What a cart's id alone says about where it can be stored. The front door verifies every id's signature
/// before it calls a cart, so a cart grain can trust the layout of its own key.
/// </summary>
public static class CartIdLayout
{
    /// <summary>
    /// The length of the ids issued now: a format byte, 128 random bits and a 128-bit signature, 33 bytes in
    /// base64url. Ids of the first format (43 characters, no format byte) were issued before carts were
    /// stored as they are now, so such a cart may still be stored in the earlier layout.
    /// </summary>
    public const int CurrentLength = 44;

    /// <summary>
    /// True when <paramref name="cartId"/> was issued in the current format: whatever is stored of the cart,
    /// if anything, is under its current key.
    /// </summary>
    public static bool IsCurrent(string cartId) => cartId.Length == CurrentLength;
}
