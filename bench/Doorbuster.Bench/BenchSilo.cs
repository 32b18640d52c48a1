using Doorbuster.Hosting;
using Doorbuster.ServiceDefaults;
using Doorbuster.ServiceDefaults.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Doorbuster.Bench;

/// <summary>One silo in this process with the production grains and their Redis providers, on free loopback ports.</summary>
internal static class BenchSilo
{
    public static async Task<IHost> StartAsync(string redis)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddRedisConnection(redis);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(LoopbackPorts.Free(), LoopbackPorts.Free());
            silo.UseDoorbusterRedis(redis);
            silo.AddDoorbusterGrains();
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
