namespace Doorbuster.Baseline.Orders;

/// <summary>How a checkout ended.</summary>
public enum CheckoutOutcome
{
    Created,

    /// <summary>This cart and key made the order before: it is answered again, nothing more reserved.</summary>
    Existing,

    EmptyCart,

    /// <summary>Some line is short; nothing was reserved.</summary>
    InsufficientStock,
}

/// <summary>The outcome of a checkout with the order (created or existing) or the shortages.</summary>
public sealed record CheckoutResult(CheckoutOutcome Outcome, OrderResponse? Order, Shortage[] Shortages);

/// <summary>How a payment or cancellation ended.</summary>
public enum OrderActionOutcome
{
    Done,
    NotFound,

    /// <summary>The order is in a state that does not allow the action (paying a cancelled order, ...).</summary>
    Conflict,
}

/// <summary>The outcome of a payment or cancellation and the order afterwards.</summary>
public sealed record OrderActionResult(OrderActionOutcome Outcome, OrderResponse? Order);
