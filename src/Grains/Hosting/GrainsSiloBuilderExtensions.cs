using Doorbuster.Diagnostics;
using Doorbuster.Inventory;
using Doorbuster.Orders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Doorbuster.Hosting;

public static class GrainsSiloBuilderExtensions
{
    /// <summary>
    /// Registers what the Doorbuster grains need on any silo (cluster silo, embedded silo, test silo):
    /// domain metrics, the clock and the grains' options. Storage providers are the host's choice.
    /// </summary>
    public static ISiloBuilder AddDoorbusterGrains(this ISiloBuilder silo)
    {
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.TryAddSingleton<DoorbusterMetrics>();
        silo.Services.AddOptions<InventoryOptions>().BindConfiguration(InventoryOptions.SectionName);
        silo.Services.AddOptions<CheckoutOptions>()
            .BindConfiguration(CheckoutOptions.SectionName)
            .Validate(o => o.PaymentWindow > TimeSpan.Zero, "Checkout:PaymentWindow must be positive.")
            .ValidateOnStart();
        return silo;
    }
}
