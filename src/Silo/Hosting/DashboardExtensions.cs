using Doorbuster.ServiceDefaults.Admin;
using Orleans.Dashboard;

namespace Doorbuster.Silo.Hosting;

/// <summary>
/// The Orleans Dashboard, off unless <c>Dashboard:Enabled</c> is true. It has no authentication of its
/// own, so every request to it must carry the admin key.
/// </summary>
public static class DashboardExtensions
{
    public const string Path = "/dashboard";

    private static bool IsEnabled(IConfiguration configuration) => configuration.GetValue<bool>("Dashboard:Enabled");

    public static ISiloBuilder AddDoorbusterDashboard(this ISiloBuilder silo, IConfiguration configuration)
    {
        if (IsEnabled(configuration))
        {
            silo.AddDashboard();
        }

        return silo;
    }

    public static WebApplication MapSiloDashboard(this WebApplication app)
    {
        if (IsEnabled(app.Configuration))
        {
            app.UseAdminKeyFor(Path);
            app.MapOrleansDashboard(Path);
        }

        return app;
    }
}
