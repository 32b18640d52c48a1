namespace Doorbuster.Baseline.Carts;

/// <summary>How a cart change ended; only <see cref="Updated"/> changed anything.</summary>
public enum CartUpdateOutcome
{
    Updated,
    UnknownSku,
    LineLimit,
    CartFull,
    CurrencyMismatch,
}

/// <summary>What a cart change does to the line of a sku.</summary>
public enum CartLineChange
{
    /// <summary>Adds to the line.</summary>
    Add,

    /// <summary>Sets the line; 0 removes it.</summary>
    Set,

    /// <summary>Removes the line, whether or not the sku is known.</summary>
    Remove,
}

/// <summary>The outcome of a cart change and the cart afterwards (unchanged unless updated).</summary>
public sealed record CartUpdate(CartUpdateOutcome Outcome, CartResponse? Cart);
