using Doorbuster.Baseline.Carts;
using Doorbuster.Baseline.Catalog;
using Doorbuster.Baseline.Http;
using Doorbuster.Baseline.Inventory;
using Doorbuster.Baseline.Orders;
using Doorbuster.Baseline.Redis;
using Microsoft.Extensions.Options;

namespace Doorbuster.Baseline.Hosting;

/// <summary>The wiring of the baseline: <c>Program.cs</c> is a table of contents of these methods.</summary>
public static class BaselineHost
{
    /// <summary>
    /// A builder for <paramref name="args"/>, rooted at the application's folder. The <c>--bare</c> switch has
    /// no value, which the command-line configuration provider cannot read, so it is taken out here and set
    /// as <c>Baseline:Bare</c>.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var bare = args.Contains(BaselineOptions.BareSwitch, StringComparer.OrdinalIgnoreCase);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [.. args.Where(arg => !string.Equals(arg, BaselineOptions.BareSwitch, StringComparison.OrdinalIgnoreCase))],

            // appsettings.json (quiet request logging) is found wherever the process is started from.
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (bare)
        {
            builder.Configuration[$"{BaselineOptions.SectionName}:{nameof(BaselineOptions.Bare)}"] = "true";
        }

        builder.Services.AddOptions<BaselineOptions>()
            .BindConfiguration(BaselineOptions.SectionName)
            .Validate(o => !string.IsNullOrEmpty(o.KeyPrefix), "Baseline:KeyPrefix must not be empty.")
            .Validate(o => o.RedisTimeout > TimeSpan.Zero, "Baseline:RedisTimeout must be positive.")
            .ValidateOnStart();
        return builder;
    }

    /// <summary>True when the baseline runs in bare mode.</summary>
    public static bool IsBare(this IHostApplicationBuilder builder) =>
        builder.Configuration.GetValue<bool>($"{BaselineOptions.SectionName}:{nameof(BaselineOptions.Bare)}");

    /// <summary>Every service of the baseline; in bare mode only the HTTP policy, no Redis.</summary>
    public static WebApplicationBuilder AddBaseline(this WebApplicationBuilder builder)
    {
        builder.AddHttpPolicy();
        if (builder.IsBare())
        {
            builder.Services.AddHealthChecks();
            return builder;
        }

        builder.AddRedisStore();
        builder.AddCarts();
        builder.AddOrders();
        return builder;
    }

    /// <summary>The middleware and every route; in bare mode only the constant product and the probes.</summary>
    public static WebApplication MapBaseline(this WebApplication app)
    {
        app.UseHttpPolicy();
        app.MapHealthEndpoints();
        if (app.Services.GetRequiredService<IOptions<BaselineOptions>>().Value.Bare)
        {
            app.Logger.LogWarning("Bare mode: {Route} answers a constant product from memory; no other route is served and Redis is not used.", "GET /api/products/{sku}");
            app.MapBareCatalogApi();
            return app;
        }

        app.MapCatalogApi();
        app.MapInventoryApi();
        app.MapCartApi();
        app.MapOrderApi();
        return app;
    }
}
