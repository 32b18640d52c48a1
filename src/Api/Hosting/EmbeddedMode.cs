using System.Security.Cryptography;
using Doorbuster.ServiceDefaults;

namespace Doorbuster.Api.Hosting;

/// <summary>What only embedded mode does: generate an admin key when none is set, seed the demo catalog, say so.</summary>
public static class EmbeddedMode
{
    public static WebApplicationBuilder AddEmbeddedModeExtras(this WebApplicationBuilder builder)
    {
        var generatedKey = string.IsNullOrEmpty(builder.Configuration["Admin:ApiKey"])
            ? Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant()
            : null;
        if (generatedKey is not null)
        {
            builder.Services.PostConfigure<AdminOptions>(options => options.ApiKey = generatedKey);
        }

        builder.Services.AddHostedService(services => new DemoCatalogSeeder(
            services.GetRequiredService<IGrainFactory>(),
            services.GetRequiredService<ILogger<DemoCatalogSeeder>>(),
            generatedKey));
        return builder;
    }
}
