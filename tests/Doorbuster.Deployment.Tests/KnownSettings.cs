using System.Reflection;
using Doorbuster.Api.Carts;
using Doorbuster.Api.FrontDoor;
using Doorbuster.Api.FrontDoor.OpenApi;
using Doorbuster.Api.Hosting;
using Doorbuster.Hosting;
using Doorbuster.Inventory;
using Doorbuster.Orders;
using Doorbuster.Persistence;
using Doorbuster.ServiceDefaults.Admin;
using Doorbuster.ServiceDefaults.EmbeddedStore;
using Doorbuster.Silo.Hosting;
using Orleans.Configuration;

namespace Doorbuster.Deployment.Tests;

/// <summary>
/// The environment variables each process reads: every settable property of each options class the process
/// binds (so a renamed option makes a manifest that still sets the old name fail), plus the few values read
/// straight from configuration, each named with the code that reads it.
/// </summary>
internal static class KnownSettings
{
    /// <summary>Read by the ASP.NET Core host itself.</summary>
    private static readonly string[] s_framework =
        ["ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_URLS"];

    /// <summary>The options the grains bind on any silo (AddDoorbusterGrains).</summary>
    private static readonly string[] s_grains =
    [
        .. Section(CheckoutOptions.SectionName, typeof(CheckoutOptions)),
        .. Section(InventoryOptions.SectionName, typeof(InventoryOptions)),
        .. Section(OrdersOptions.SectionName, typeof(OrdersOptions)),
        .. Section(GrainsSiloBuilderExtensions.GrainCollectionSection, typeof(GrainCollectionOptions)),

        // Bound with the Redis providers (RedisSiloBuilderExtensions), which embedded mode uses too.
        .. Section(DurabilityOptions.SectionName, typeof(DurabilityOptions)),
    ];

    public static readonly IReadOnlySet<string> Silo = new HashSet<string>(
    [
        .. Section(SiloHostingOptions.SectionName, typeof(SiloHostingOptions)),
        .. Section("Orleans__Membership", typeof(ClusterMembershipOptions)),
        .. Section(AdminOptions.SectionName, typeof(AdminOptions)),
        .. s_grains,
        "ConnectionStrings__Redis",

        // DashboardExtensions reads Dashboard:Enabled directly.
        "Dashboard__Enabled",
        .. s_framework,
    ]);

    /// <summary>The Api: cluster mode, and embedded mode (its store and its silo's grains).</summary>
    public static readonly IReadOnlySet<string> Api = new HashSet<string>(
    [
        // ClusterIdentity reads these two directly.
        $"Orleans__{nameof(ClusterIdentity.ClusterId)}",
        $"Orleans__{nameof(ClusterIdentity.ServiceId)}",
        "ConnectionStrings__Redis",
        .. Section(AdminOptions.SectionName, typeof(AdminOptions)),
        .. Section(CartsOptions.SectionName, typeof(CartsOptions)),
        .. Section(AdmissionOptions.SectionName, typeof(AdmissionOptions)),
        .. Section(EmbeddedStoreOptions.SectionName, typeof(EmbeddedStoreOptions)),
        .. Section(OpenApiOptions.SectionName, typeof(OpenApiOptions)),
        .. s_grains,
        .. s_framework,
    ]);

    /// <summary>Whether a process that knows <paramref name="known"/> reads the variable <paramref name="name"/>.</summary>
    public static bool IsRead(IReadOnlySet<string> known, string name) =>
        known.Contains(name) || name.StartsWith("OTEL_", StringComparison.Ordinal);

    private static IEnumerable<string> Section(string section, Type options) =>
        options.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.CanWrite)
            .Select(property => $"{section.Replace(":", "__", StringComparison.Ordinal)}__{property.Name}");
}
