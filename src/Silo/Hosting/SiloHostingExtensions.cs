using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Doorbuster.Hosting;
using Doorbuster.ServiceDefaults;
using Doorbuster.ServiceDefaults.Redis;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Doorbuster.Silo.Hosting;

public static class SiloHostingExtensions
{
    /// <summary>
    /// Hosts a silo that joins the cluster through Redis membership and keeps grain state and reminders in
    /// Redis. A silo has no embedded mode: without <c>ConnectionStrings__Redis</c> it refuses to start.
    /// </summary>
    public static WebApplicationBuilder AddDoorbusterSilo(this WebApplicationBuilder builder)
    {
        var redis = RedisConnectionString.Read(builder.Configuration) ?? throw new InvalidOperationException(
            $"{RedisConnectionString.VariableName} is not set. A silo needs Redis for membership, grain state and reminders; " +
            "for a single process without servers run src/Api alone (embedded mode).");

        builder.Services.AddOptions<SiloHostingOptions>()
            .BindConfiguration(SiloHostingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var hosting = builder.Configuration.GetSection(SiloHostingOptions.SectionName).Get<SiloHostingOptions>() ?? new();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = SiloHostingOptions.ShutdownTimeout);
        builder.Services.AddRedisConnection(redis);
        builder.Services.AddHostedService<ShutdownWithoutRedis>();
        builder.Services.AddHealthChecks().AddCheck<SiloActiveReadinessCheck>(
            "orleans-silo", HealthStatus.Unhealthy, [ServiceDefaultsExtensions.ReadyTag], TimeSpan.FromSeconds(2));

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = hosting.ClusterId;
                options.ServiceId = hosting.ServiceId;
            });
            silo.ConfigureEndpoints(AdvertisedAddress(hosting), hosting.SiloPort, hosting.GatewayPort, listenOnAnyHostAddress: true);
            if (!string.IsNullOrWhiteSpace(hosting.SiloName))
            {
                silo.Configure<SiloOptions>(options => options.SiloName = hosting.SiloName);
            }

            silo.Services.AddOptions<ClusterMembershipOptions>().Configure(FailureDetection.ApplyDefaults).BindConfiguration("Orleans:Membership");
            silo.UseDoorbusterRedis(redis);
            silo.AddDoorbusterGrains();
            silo.AddActivityPropagation();
            silo.AddDoorbusterDashboard(builder.Configuration);
        });
        return builder;
    }

    /// <summary>
    /// The configured address, else the first up, non-loopback IPv4 address of the machine (a container's
    /// own address), else loopback. Never a load balancer's address: other silos dial this one directly.
    /// </summary>
    private static IPAddress AdvertisedAddress(SiloHostingOptions hosting)
    {
        if (!string.IsNullOrWhiteSpace(hosting.AdvertisedIPAddress))
        {
            return IPAddress.TryParse(hosting.AdvertisedIPAddress, out var configured)
                ? configured
                : throw new InvalidOperationException(
                    $"Orleans__AdvertisedIPAddress is '{hosting.AdvertisedIPAddress}', which is not an IP address: set it to the " +
                    "address other silos reach this one at (on Kubernetes the pod's, from status.podIP), or leave it unset.");
        }

        return NetworkInterface.GetAllNetworkInterfaces()
            .Where(nic => nic.OperationalStatus == OperationalStatus.Up && nic.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
            .Select(address => address.Address)
            .FirstOrDefault(address => address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(address))
            ?? IPAddress.Loopback;
    }
}
