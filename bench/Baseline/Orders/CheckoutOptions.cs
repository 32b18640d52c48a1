namespace Doorbuster.Baseline.Orders;

/// <summary>Checkout settings (configuration section <c>Checkout</c>, e.g. <c>Checkout__PaymentWindow</c>).</summary>
public sealed class CheckoutOptions
{
    public const string SectionName = "Checkout";

    /// <summary>How long a checkout's reservation holds before the unpaid order expires.</summary>
    public TimeSpan PaymentWindow { get; set; } = TimeSpan.FromMinutes(10);
}
