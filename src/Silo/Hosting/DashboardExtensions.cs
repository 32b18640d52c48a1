using Doorbuster.ServiceDefaults;
using Orleans.Dashboard;
using Microsoft.Extensions.Options;

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
        if (!IsEnabled(app.Configuration))
        {
            return app;
        }

        app.UseWhen(
            context => context.Request.Path.StartsWithSegments(Path),
            branch => branch.Use(async (context, next) =>
            {
                var admin = context.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value;
                if (!admin.Accepts(context.Request.Headers[AdminOptions.HeaderName]))
                {
                    await Results.Problem(
                        statusCode: StatusCodes.Status401Unauthorized,
                        title: "Unauthorized",
                        detail: $"The dashboard requires the {AdminOptions.HeaderName} header with the admin key.").ExecuteAsync(context);
                    return;
                }

                await next(context);
            }));
        app.MapOrleansDashboard(Path);
        return app;
    }
}
