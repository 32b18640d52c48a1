namespace Doorbuster.Api.FrontDoor;

/// <summary>Admission control budgets per Api instance (configuration section <c>Admission</c>).</summary>
public sealed class AdmissionOptions
{
    public const string SectionName = "Admission";

    /// <summary>Requests of browsing and carts in flight at once; beyond it, 429.</summary>
    public int BrowseConcurrency { get; set; } = 1024;

    /// <summary>Checkouts, payments and cancellations in flight at once; beyond it, 429.</summary>
    public int CheckoutConcurrency { get; set; } = 512;
}
