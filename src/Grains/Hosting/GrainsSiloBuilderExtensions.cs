using Doorbuster.Catalog;
using Doorbuster.Diagnostics;
using Doorbuster.Inventory;
using Doorbuster.Orders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;

namespace Doorbuster.Hosting;

public static class GrainsSiloBuilderExtensions
{
    /// <summary>The configuration section of Orleans' <see cref="GrainCollectionOptions"/>.</summary>
    public const string GrainCollectionSection = "GrainCollection";

    /// <summary>How often idle activations are collected (Orleans' default is a minute).</summary>
    public static readonly TimeSpan DefaultCollectionQuantum = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Registers what the Doorbuster grains need on any silo (cluster silo, embedded silo, test silo):
    /// domain metrics, the clock and the grains' options. Where state lives is the host's choice
    /// (<see cref="RedisSiloBuilderExtensions.UseDoorbusterRedis"/>).
    /// </summary>
    public static ISiloBuilder AddDoorbusterGrains(this ISiloBuilder silo)
    {
        // A grain call that has not come back in seconds will not: every Redis call of a grain times out in
        // 1.5 s, so waiting Orleans' default 30 s only keeps a non-reentrant caller (an order) blocked.
        silo.Configure<SiloMessagingOptions>(options => options.ResponseTimeout = TimeSpan.FromSeconds(5));

        // Orleans collects idle activations a quantum at a time: every activation whose idle age ended within one
        // quantum is deactivated in one sweep, 23-35 us of CPU each. At Orleans' 1-minute default a minute of
        // abandoned carts (32,000 at 540 new carts a second) went at once and stalled the silo for 1-3 s, with 503s;
        // a 5 s quantum spreads the same work (docs/performance.md, "Idle carts collected a few at a time").
        silo.Services.AddOptions<GrainCollectionOptions>()
            .Configure(options => options.CollectionQuantum = DefaultCollectionQuantum)
            .BindConfiguration(GrainCollectionSection)
            .Validate(o => o.CollectionQuantum > TimeSpan.Zero && o.CollectionQuantum <= TimeSpan.FromMinutes(CollectionAges.PerShopperMinutes),
                $"{GrainCollectionSection}:CollectionQuantum must be more than zero and at most the carts' and orders' {CollectionAges.PerShopperMinutes}-minute collection age.")
            .ValidateOnStart();
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.TryAddKeyedSingleton(DomainClock.Key, TimeProvider.System);
        silo.Services.TryAddSingleton<GrainMetrics>();
        silo.Services.TryAddSingleton<CheckoutPrices>();
        silo.Services.TryAddSingleton<Sales.SaleGate>();
        silo.Services.AddOptions<InventoryOptions>()
            .BindConfiguration(InventoryOptions.SectionName)
            .Validate(o => o.SweepInterval > TimeSpan.Zero && o.MaxDecisionsPerSweep > 0, "Inventory:SweepInterval and Inventory:MaxDecisionsPerSweep must be positive.")
            .Validate(o => o.RestockKeyRetention >= TimeSpan.FromHours(24), "Inventory:RestockKeyRetention must be at least 24 hours (the contract).")
            .ValidateOnStart();
        silo.Services.AddOptions<CheckoutOptions>()
            .BindConfiguration(CheckoutOptions.SectionName)
            .Validate(o => o.PaymentWindow > TimeSpan.Zero, "Checkout:PaymentWindow must be positive.")
            .ValidateOnStart();
        silo.Services.AddOptions<OrdersOptions>()
            .BindConfiguration(OrdersOptions.SectionName)
            .Validate(o => o.Retention > TimeSpan.Zero, "Orders:Retention must be positive.")
            .ValidateOnStart();
        return silo;
    }
}
