namespace Doorbuster.LoadGen.Http;

/// <summary>The names request kinds are reported under (stable: they are JSON report keys).</summary>
public static class RequestKinds
{
    public const string GetProduct = "get-product";
    public const string ListProducts = "list-products";
    public const string CreateCart = "create-cart";
    public const string AddItem = "add-item";
    public const string Checkout = "checkout";
    public const string Pay = "pay";
    public const string JoinSale = "join-sale";
    public const string PollTicket = "poll-ticket";
}
