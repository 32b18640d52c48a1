namespace Doorbuster.Baseline.Orders;

/// <summary>Order settings (configuration section <c>Orders</c>, e.g. <c>Orders__Retention</c>).</summary>
public sealed class OrderOptions
{
    public const string SectionName = "Orders";

    /// <summary>How long a settled (paid, cancelled, expired) order is kept before it is forgotten.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);
}
