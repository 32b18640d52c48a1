namespace Doorbuster.Api.FrontDoor;

/// <summary>
/// What a request is worth to the store when it must be refused, lowest first. Admission control sheds the
/// lower classes first: pay &gt; checkout (and admin writes) &gt; cart &gt; browse.
/// </summary>
public enum TrafficClass
{
    /// <summary>Product, listing, stock and order reads, and anything else under <c>/api</c>.</summary>
    Browse,

    /// <summary><c>POST /api/carts</c> and every <c>/api/carts/{cartId}</c> route but checkout.</summary>
    Cart,

    /// <summary>Admin writes (product upsert, restock) that carry the admin key; they rank with checkout.</summary>
    Admin,

    /// <summary><c>POST /api/carts/{cartId}/checkout</c>.</summary>
    Checkout,

    /// <summary><c>POST /api/orders/{orderId}/pay</c> and <c>/cancel</c>.</summary>
    Pay,
}
