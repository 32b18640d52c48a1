using Orleans.Concurrency;

namespace Doorbuster.Carts;

/// <summary>A shopping cart: skus and quantities. Prices are looked up from the catalog when shown.</summary>
[Alias("Doorbuster.Carts.ICartGrain")]
public interface ICartGrain : IGrainWithStringKey
{
    /// <summary>The cart; an unknown cart is empty.</summary>
    [ReadOnly, Alias("Get")]
    Task<CartContents> GetAsync();

    /// <summary>Adds <paramref name="quantity"/> to the line of <paramref name="sku"/>.</summary>
    [Alias("Add")]
    Task<CartUpdate> AddAsync(string sku, int quantity);

    /// <summary>Sets the line of <paramref name="sku"/> to <paramref name="quantity"/>; 0 removes it.</summary>
    [Alias("SetQuantity")]
    Task<CartUpdate> SetQuantityAsync(string sku, int quantity);

    /// <summary>Empties the cart and deletes its stored state.</summary>
    [Alias("Clear")]
    Task ClearAsync();

    /// <summary>Removes what an order took from the cart, leaving lines added since.</summary>
    [Alias("RemoveOrdered")]
    Task RemoveOrderedAsync(CartLine[] ordered);
}

[GenerateSerializer, Immutable, Alias("Doorbuster.Carts.CartLine")]
public sealed record CartLine(string Sku, int Quantity);

[GenerateSerializer, Immutable, Alias("Doorbuster.Carts.CartContents")]
public sealed record CartContents(CartLine[] Lines, DateTimeOffset? UpdatedAt);

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
}

/// <summary>The limits of a cart, from the public contract.</summary>
public static class CartLimits
{
    public const int MaxLineQuantity = 99;
    public const int MaxLines = 100;
}
