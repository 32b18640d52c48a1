using System.Reflection;
using Doorbuster.Inventory;
using Doorbuster.Orders;
using Doorbuster.ServiceDefaults;
using Doorbuster.ServiceDefaults.Admin;
using Doorbuster.Silo.Hosting;
using Orleans.Configuration;

namespace Doorbuster.Deployment.Tests;

/// <summary>
/// The environment variables each process reads, derived from the options classes the code binds where
/// there is one, so that a renamed option makes a manifest that still sets the old name fail.
/// </summary>
internal static class KnownSettings
{
    /// <summary>Read by the ASP.NET Core host itself.</summary>
    private static readonly string[] s_framework =
        ["ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_URLS"];

    public static readonly IReadOnlySet<string> Silo = new HashSet<string>(
    [
        .. Section(SiloHostingOptions.SectionName, typeof(SiloHostingOptions)),
        .. Section("Orleans__Membership", typeof(ClusterMembershipOptions)),
        .. Section(AdminOptions.SectionName, typeof(AdminOptions)),
        .. Section(CheckoutOptions.SectionName, typeof(CheckoutOptions)),
        .. Section(InventoryOptions.SectionName, typeof(InventoryOptions)),
        "ConnectionStrings__Redis",
        // DashboardExtensions reads Dashboard:Enabled directly.
        "Dashboard__Enabled",
        .. s_framework,
    ]);

    /// <summary>The Api in cluster mode (OrleansHostingExtensions and the service defaults).</summary>
    public static readonly IReadOnlySet<string> Api = new HashSet<string>(
    [
        "Orleans__ClusterId",
        "Orleans__ServiceId",
        "ConnectionStrings__Redis",
        .. Section(AdminOptions.SectionName, typeof(AdminOptions)),
        .. Section(CheckoutOptions.SectionName, typeof(CheckoutOptions)),
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
