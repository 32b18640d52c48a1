using Doorbuster.Orders;
using Orleans.Concurrency;

namespace Doorbuster.Carts;

/// <summary>
/// A shopping cart: skus and quantities in one currency. Prices are looked up from the catalog when shown
/// and when it is checked out. Its key is a server-issued, signed cart id: the front door never calls a
/// cart it did not issue. The cart is also where its checkout runs: it is already active on the silo that
/// serves its shopper, and it stores the order it places together with its own emptied lines.
/// </summary>
[Alias("Doorbuster.Carts.ICartGrain")]
public interface ICartGrain : IGrainWithStringKey
{
    /// <summary>The cart; a cart never written is empty.</summary>
    [ReadOnly, Alias("Get")]
    Task<CartContents> GetAsync();

    /// <summary>Adds <paramref name="quantity"/> units of a product priced in <paramref name="currency"/>.</summary>
    [Alias("Add")]
    Task<CartUpdate> AddAsync(string sku, int quantity, string currency);

    /// <summary>Sets the line of <paramref name="sku"/> to <paramref name="quantity"/>; 0 removes it.</summary>
    [Alias("SetQuantity")]
    Task<CartUpdate> SetQuantityAsync(string sku, int quantity, string currency);

    /// <summary>Empties the cart.</summary>
    [Alias("Clear")]
    Task ClearAsync();

    /// <summary>
    /// Checks the cart out under <paramref name="idempotencyKey"/>: holds every line in its inventory for a new
    /// checkout attempt, all or nothing, then stores the order (<see cref="Orders.OrderIds.For"/>) and the
    /// emptied cart in one write. A repeat with the same key returns the order the first placed and holds
    /// nothing more; a refused checkout stores nothing and its holds go back at once.
    /// </summary>
    [Alias("Checkout")]
    Task<CheckoutResult> CheckoutAsync(string idempotencyKey);

    /// <summary>
    /// <see cref="CheckoutAsync(string)"/>, for a cart that may hold skus of a running flash sale: then
    /// <paramref name="saleTicket"/> must be an admitted, valid, unused ticket of that sale, which this checkout
    /// uses up (and gives back when the checkout is refused); otherwise the answer is
    /// <see cref="CheckoutOutcome.TicketRequired"/> and nothing is held.
    /// </summary>
    [Alias("CheckoutWithTicket")]
    Task<CheckoutResult> CheckoutAsync(string idempotencyKey, string? saleTicket);
}

[GenerateSerializer, Immutable, Alias("Doorbuster.Carts.CartLine")]
public sealed record CartLine(string Sku, int Quantity);

/// <summary>The lines of a cart, its currency (<c>null</c> while empty) and when it last changed.</summary>
[GenerateSerializer, Immutable, Alias("Doorbuster.Carts.CartContents")]
public sealed record CartContents(CartLine[] Lines, string? Currency, DateTimeOffset? UpdatedAt);

[GenerateSerializer, Immutable, Alias("Doorbuster.Carts.CartUpdate")]
public sealed record CartUpdate(CartUpdateOutcome Outcome, CartContents Cart);

[GenerateSerializer, Alias("Doorbuster.Carts.CartUpdateOutcome")]
public enum CartUpdateOutcome
{
    Updated = 0,

    /// <summary>The line would hold more than <see cref="CartLimits.MaxLineQuantity"/> units; nothing changed.</summary>
    LineQuantityExceeded = 1,

    /// <summary>The cart would hold more than <see cref="CartLimits.MaxLines"/> lines; nothing changed.</summary>
    TooManyLines = 2,

    /// <summary>The cart is priced in another currency than the product; nothing changed.</summary>
    CurrencyMismatch = 3,
}

/// <summary>The limits of a cart, from the public contract.</summary>
public static class CartLimits
{
    public const int MaxLineQuantity = 99;
    public const int MaxLines = 100;
}
