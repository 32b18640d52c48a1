using System.ComponentModel.DataAnnotations;

namespace Doorbuster.Silo.Hosting;

/// <summary>
/// How a silo presents itself to the cluster, bound from the <c>Orleans</c> configuration section
/// (<c>Orleans__SiloPort</c>, <c>Orleans__GatewayPort</c>, <c>Orleans__AdvertisedIPAddress</c>, ...).
/// The Kubernetes manifests and the compose file rely on these names and defaults; a test keeps them in step.
/// </summary>
public sealed class SiloHostingOptions
{
    public const string SectionName = "Orleans";

    /// <summary>Default silo-to-silo port.</summary>
    public const int DefaultSiloPort = 11111;

    /// <summary>Default gateway port that Api clients connect to.</summary>
    public const int DefaultGatewayPort = 30000;

    /// <summary>Cluster identity shared by silos and clients.</summary>
    [Required, RegularExpression(Identifiers.Pattern)]
    public string ClusterId { get; set; } = "doorbuster";

    /// <summary>Service identity; part of every Redis key, stable across deployments.</summary>
    [Required, RegularExpression(Identifiers.Pattern)]
    public string ServiceId { get; set; } = "doorbuster";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = DefaultSiloPort;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = DefaultGatewayPort;

    /// <summary>
    /// The address other silos and clients use to reach this silo (the pod IP on Kubernetes, from the
    /// downward API). Empty: the first non-loopback address of the machine, or loopback when there is none.
    /// </summary>
    public string? AdvertisedIPAddress { get; set; }

    /// <summary>A readable silo name (the pod name on Kubernetes). Empty: Orleans picks one.</summary>
    public string? SiloName { get; set; }

    /// <summary>
    /// How long a stopping silo may take to deactivate its grains and hand over. Kubernetes'
    /// <c>terminationGracePeriodSeconds</c> must be longer.
    /// </summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(45);
}
